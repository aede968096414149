// The visual diff of two versions (/diagrams/{key}/diff): two bpmn-js viewers, the elements
// bpmn-js-differ finds added, removed, changed or only moved marked on them, and the same
// changes listed in words.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { diff } from "bpmn-js-differ";

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
  const added = Object.keys(changes._added), removed = Object.keys(changes._removed);
  const changed = Object.keys(changes._changed);
  const moved = Object.keys(changes._layoutChanged).filter((id) => !changes._changed[id]);
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
    const { model, attrs } = changes._changed[id];
    item("changed", describe(model), Object.entries(attrs).map(
      ([name, { oldValue, newValue }]) => `${name}: ${shown(oldValue)} → ${shown(newValue)}`));
  }
  for (const id of moved) item("layout", describe(changes._layoutChanged[id]));
  list.replaceChildren(...items);
  summary.textContent = items.length ? strings.summary.replace("{added}", added.length)
    .replace("{removed}", removed.length).replace("{changed}", changed.length).replace("{layout}", moved.length)
    : strings.noChanges;
}
