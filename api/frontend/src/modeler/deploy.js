// Checking and deploying the diagram in the modeler: its XML goes to the page route with the
// session's CSRF token; a refusal is shown in the page and pinned to the element it names
// (a marker class and an overlay), which is selected and scrolled to. The XML stays in the
// modeler whatever the answer, so no edit is lost.
const PIN = "diagram-error";

export function connectDeploy(modeler, { url, csrf, strings, errorBox, statusBox }) {
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  const registry = modeler.get("elementRegistry");
  const selection = modeler.get("selection");
  let pinned = null;

  function unpin() {
    if (pinned && registry.get(pinned)) canvas.removeMarker(pinned, PIN);
    overlays.remove({ type: PIN });
    pinned = null;
  }

  function pin(id, message) {
    const element = registry.get(id);
    if (!element) return;
    pinned = id;
    canvas.addMarker(id, PIN);
    const box = document.createElement("div");
    box.className = "diagram-error-overlay";
    box.setAttribute("role", "note");
    box.textContent = message;
    overlays.add(id, PIN, { position: { top: -6, left: 0 }, html: box });
    selection.select(element);
    if (!element.waypoints) canvas.scrollToElement(element);
  }

  function show(box, message) {
    errorBox.hidden = statusBox.hidden = true;
    if (!message) return;
    box.textContent = message;
    box.hidden = false;
  }

  async function send(action) {
    unpin();
    show(statusBox, action === "deploy" ? strings.deploying : strings.validating);
    const { xml } = await modeler.saveXML({ format: true });
    const form = new FormData();
    form.append("csrf_token", csrf);
    form.append("action", action);
    form.append("file", new Blob([xml], { type: "application/xml" }), "diagram.bpmn");
    let answer = null;
    let refused = false;  // a page instead of an answer: the session ended, or no right to deploy
    try {
      const response = await fetch(url, {
        method: "POST", body: form, credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if ((response.headers.get("content-type") || "").includes("application/json")) answer = await response.json();
      else refused = response.redirected || response.status === 403;
    } catch {
      answer = null;
    }
    if (!answer) return show(errorBox, refused ? strings.sessionLost : strings.networkError);
    if (!answer.ok) {
      show(errorBox, answer.message);
      if (answer.element_id) pin(answer.element_id, answer.reason || answer.message);
      return;
    }
    show(statusBox, answer.message);
    if (answer.edit) history.replaceState(null, "", answer.edit);
  }

  return { send, unpin };
}

/** Offer the editor's XML as a file, without sending it anywhere. */
export async function saveToComputer(modeler, filename) {
  const { xml } = await modeler.saveXML({ format: true });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
