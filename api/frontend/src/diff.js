// The visual diff of two versions (/diagrams/{key}/diff): two bpmn-js viewers, the elements
// bpmn-js-differ finds added, removed, changed or only moved marked on them, and the same
// changes listed in words.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { diff } from "bpmn-js-differ";

import { detailChanges } from "./modeler/details.js";
import spiffworkflow from "./modeler/spiffworkflow.js";

const root = document.getElementById("diff");
if (root) compare();

async function load(pane) {
  const viewer = new NavigatedViewer({ container: pane, moddleExtensions: { spiffworkflow } });
  const response = await fetch(pane.dataset.xmlUrl, { credentials: "same-origin" });
  await viewer.importXML(await response.text());
  viewer.get("canvas").zoom("fit-viewport");
  return viewer;
}

function mark(viewer, ids, marker) {
  const registry = viewer.get("elementRegistry");
  for (const id of ids) if (registry.get(id)) viewer.get("canvas").addMarker(id, marker);
}

function shown(value) {
  if (value === undefined || value === null || value === "") return "∅";
  if (typeof value !== "object") return String(value);
  return value.body ?? value.name ?? value.id ?? value.$type ?? JSON.stringify(value);
}

function describe(element) {
  return element.name ? `${element.name} (${element.id})` : element.id;
}

/** Element id → {model, lines: [name, before, after]}: the differ's changes and the engine's details. */
function changedAttributes(changes, oldViewer, newViewer) {
  const edits = {};
  for (const [id, { model, attrs }] of Object.entries(changes._changed)) {
    // bpmn-js-differ 3.2 hands its handler the two sides swapped (checked against a renamed
    // task: "oldValue" holds the new name), so they are swapped back here.
    const lines = Object.entries(attrs).map(([name, { oldValue, newValue }]) => [name, newValue, oldValue]);
    if (lines.length) edits[id] = { model, lines };
  }
  const oldRegistry = oldViewer.get("elementRegistry");
  for (const element of newViewer.get("elementRegistry").getAll()) {
    const before = oldRegistry.get(element.id);
    if (!before || element.type === "label") continue;
    const lines = detailChanges(before.businessObject, element.businessObject);
    if (!lines.length) continue;
    edits[element.id] ||= { model: element.businessObject, lines: [] };
    edits[element.id].lines.push(...lines);
  }
  return edits;
}

async function compare() {
  const strings = JSON.parse(document.getElementById("diff-data").textContent);
  const summary = document.getElementById("diff-summary");
  const list = document.getElementById("diff-changes");
  let oldViewer, newViewer;
  try {
    [oldViewer, newViewer] = await Promise.all(["diff-old", "diff-new"].map((id) => load(document.getElementById(id))));
  } catch {
    summary.textContent = strings.loadFailed;
    return;
  }
  const changes = diff(oldViewer.getDefinitions(), newViewer.getDefinitions());
  const edits = changedAttributes(changes, oldViewer, newViewer);
  const added = Object.keys(changes._added), removed = Object.keys(changes._removed);
  const changed = Object.keys(edits);
  const moved = Object.keys(changes._layoutChanged).filter((id) => !edits[id]);
  mark(newViewer, added, "diff-added");
  mark(oldViewer, removed, "diff-removed");
  for (const viewer of [oldViewer, newViewer]) {
    mark(viewer, changed, "diff-changed");
    mark(viewer, moved, "diff-layout");
  }

  const items = [];
  const item = (kind, text, details = []) => {
    const li = document.createElement("li");
    li.className = `diff-${kind}`;
    const label = document.createElement("strong");
    label.textContent = `${strings[kind === "layout" ? "layoutChanged" : kind]}: `;
    li.append(label, text);
    if (details.length) {
      const sub = document.createElement("ul");
      for (const line of details) sub.append(Object.assign(document.createElement("li"), { textContent: line }));
      li.append(sub);
    }
    items.push(li);
  };
  for (const id of added) item("added", describe(changes._added[id]));
  for (const id of removed) item("removed", describe(changes._removed[id]));
  for (const id of changed) {
    const { model, lines } = edits[id];
    const words = ([name, before, after]) => `${name}: ${shown(before)} → ${shown(after)}`;
    item("changed", describe(model), lines.map(words));
  }
  for (const id of moved) item("layout", describe(changes._layoutChanged[id]));
  list.replaceChildren(...items);
  summary.textContent = items.length ? strings.summary.replace("{added}", added.length)
    .replace("{removed}", removed.length).replace("{changed}", changed.length).replace("{layout}", moved.length)
    : strings.noChanges;
}
