// The process admin's BPMN modeler (/diagrams/new, /diagrams/{id}/edit): bpmn-js with the
// spiffworkflow extension registered, the engine's properties panel, and check / deploy.
import Modeler from "bpmn-js/lib/Modeler";

import { BLANK } from "./modeler/blank.js";
import { connectDeploy, saveToComputer } from "./modeler/deploy.js";
import { createPanel } from "./modeler/panel.js";
import { keepUnresolvedReferences } from "./modeler/references.js";
import spiffworkflow from "./modeler/spiffworkflow.js";

const root = document.getElementById("modeler");
if (root) start(root);

async function start(root) {
  const data = JSON.parse(document.getElementById("modeler-data").textContent);
  const strings = data.strings;
  const errorBox = document.getElementById("modeler-error");
  const statusBox = document.getElementById("modeler-status");
  const modeler = new Modeler({ container: "#modeler-canvas", moddleExtensions: { spiffworkflow } });
  let xml = BLANK;
  if (root.dataset.xmlUrl) {
    const response = await fetch(root.dataset.xmlUrl, { credentials: "same-origin" });
    if (!response.ok) {
      errorBox.textContent = strings.loadFailed;
      errorBox.hidden = false;
      return;
    }
    xml = await response.text();
  }
  const warnings = keepUnresolvedReferences(modeler, (await modeler.importXML(xml)).warnings);
  if (warnings.length) {
    errorBox.textContent = `${strings.warnings} ${warnings.map((w) => w.message).join("; ")}`;
    errorBox.hidden = false;
  }
  modeler.get("canvas").zoom("fit-viewport");
  createPanel(modeler, document.getElementById("modeler-panel"), data);

  const csrf = document.querySelector("#upload-form input[name=csrf_token]").value;
  const deploy = connectDeploy(modeler, { url: root.dataset.deployUrl, csrf, strings, errorBox, statusBox });
  document.getElementById("validate-button").addEventListener("click", () => deploy.send("validate"));
  document.getElementById("deploy-button").addEventListener("click", () => deploy.send("deploy"));
  document.getElementById("save-xml-button").addEventListener("click", () => {
    const process = modeler.getDefinitions().rootElements.find((e) => e.$type === "bpmn:Process");
    saveToComputer(modeler, `${process?.id || "diagram"}.bpmn`);
  });
  document.getElementById("modeler-toolbar").hidden = false;
  root.dataset.ready = "1";  // the browser tests wait for this
}
