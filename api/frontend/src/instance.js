// The instance page's diagram: a bpmn-js viewer (pan and zoom, no editing) of the version the
// instance runs, with the server's reading of its state marked on the elements: steps done,
// the sequence flows taken, the current steps, and open incidents in red. Each step can be
// reached with Tab or clicked, and its name and state are announced in the line below.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

const MARKERS = { completed: "instance-completed", active: "instance-active", incidents: "instance-incident" };
const SKIPPED = new Set(["label", "bpmn:Process", "bpmn:Collaboration", "bpmn:Participant", "bpmn:Lane"]);

const host = document.getElementById("instance-diagram");
if (host) show(host);

async function show(host) {
  const info = document.getElementById("element-info");
  const states = JSON.parse(host.dataset.states);
  const names = JSON.parse(host.dataset.names || "{}");
  host.setAttribute("role", "group");
  host.setAttribute("aria-label", host.dataset.label);
  const viewer = new NavigatedViewer({ container: host });
  try {
    await viewer.importXML(host.dataset.xml);
  } catch (error) {
    info.textContent = host.dataset.failed;
    return;
  }
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const stateOf = new Map();
  for (const [state, marker] of Object.entries(MARKERS)) {
    for (const id of states[state] || []) {
      if (!registry.get(id)) continue;  // an element of a subprocess drawn elsewhere
      canvas.addMarker(id, marker);
      stateOf.set(id, state === "incidents" ? "incident" : stateOf.get(id) === "incident" ? "incident" : state);
    }
  }
  for (const id of states.flows || []) {
    if (registry.get(id)) canvas.addMarker(id, "instance-taken");
  }
  canvas.zoom("fit-viewport", "auto");
  const actives = (states.active || []).map((id) => registry.get(id)).filter(Boolean);
  const current = actives.find((e) => /Task$/.test(e.type)) || actives[0];  // a person's step first
  if (current && host.clientWidth < 600) {
    // On a phone the whole diagram would be too small to read: start at the current step.
    const { outer } = canvas.viewbox();
    const scale = 0.9;
    const [width, height] = [outer.width / scale, outer.height / scale];
    canvas.viewbox({ x: current.x + current.width / 2 - width / 2, y: current.y + current.height / 2 - height / 2,
                     width, height });
  }
  host.before(zoomButtons(host, canvas));

  // The name drawn on the diagram comes first (an accessible name holds the visible text),
  // then the step's name in the page's language where the catalog has another one.
  const describe = (element) => {
    const drawn = element.businessObject.name || "";
    const own = names[element.id] || "";
    const name = [drawn, own && own !== drawn ? own : ""].filter(Boolean).join(" — ") || element.id;
    const state = host.dataset["state" + capitalised(stateOf.get(element.id) || "none")];
    return `${name}: ${state}`;
  };
  const tell = (element) => { info.textContent = describe(element); };

  // One tab stop for the whole diagram (the current step, else the first): the arrow keys move
  // between the steps from left to right, Home and End to the first and the last.
  const steps = registry.filter((e) => !e.waypoints && !SKIPPED.has(e.type) && e.businessObject)
    .sort((a, b) => a.x - b.x || a.y - b.y);
  const entry = current && steps.includes(current) ? current : steps[0];
  const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  steps.forEach((element, index) => {
    const gfx = registry.getGraphics(element);
    gfx.setAttribute("tabindex", element === entry ? "0" : "-1");
    // An image with a name, not a button: the drawn text wraps over lines, so a button's name
    // (which must hold its visible text) would never match it.
    gfx.setAttribute("role", "img");
    gfx.setAttribute("aria-label", describe(element));
    gfx.addEventListener("focus", () => {
      for (const other of steps) registry.getGraphics(other).setAttribute("tabindex", "-1");
      gfx.setAttribute("tabindex", "0");
      tell(element);
    });
    gfx.addEventListener("keydown", (event) => {
      const target = event.key === "Home" ? 0 : event.key === "End" ? steps.length - 1
        : event.key in moves ? index + moves[event.key] : null;
      if (target === null || target < 0 || target >= steps.length) return;
      event.preventDefault();
      canvas.scrollToElement(steps[target], 60);
      registry.getGraphics(steps[target]).focus();
    });
  });
  viewer.get("eventBus").on("element.click", ({ element }) => {
    if (!SKIPPED.has(element.type)) tell(element);
  });
  host.dataset.ready = "1";  // the markers are placed (tests wait for it)
}

// Zoom without a wheel or a pinch (a keyboard, a phone): three buttons above the diagram.
function zoomButtons(host, canvas) {
  const bar = document.createElement("div");
  bar.className = "zoom-buttons";
  const steps = [["zoomIn", "+", () => canvas.zoom(canvas.zoom() * 1.25)],
                 ["zoomOut", "−", () => canvas.zoom(canvas.zoom() / 1.25)],
                 ["zoomFit", "⤢", () => canvas.zoom("fit-viewport", "auto")]];
  for (const [name, sign, act] of steps) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = `${sign} ${host.dataset[name]}`;
    button.addEventListener("click", act);
    bar.append(button);
  }
  return bar;
}

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
