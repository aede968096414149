// The modeler's properties panel: for the selected element, the properties THIS engine reads —
// lane names (their roles), a user task's form, role marks and assignment expressions, timers,
// sequence-flow conditions. Plain labelled inputs, so the panel works from the keyboard; an
// element list at the top reaches any element without the mouse.
import { getProperty, getText, serviceOperator, setProperty, setText } from "./extensions.js";

const USER_TASKS = ["bpmn:UserTask", "bpmn:ManualTask"];
const TASK_EXPRESSIONS = ["candidateUser", "candidateUnit", "candidateRole", "dueDate", "urgency"];
const TIMER_KINDS = ["timeDate", "timeDuration", "timeCycle"];
const GATEWAYS_WITH_DEFAULT = ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"];
let fieldCount = 0;

export function createPanel(modeler, container, data) {
  const s = data.strings;
  const canvas = modeler.get("canvas");
  const selection = modeler.get("selection");
  const registry = modeler.get("elementRegistry");
  const modeling = modeler.get("modeling");
  const bpmnFactory = modeler.get("bpmnFactory");
  const update = (element, props) => modeling.updateProperties(element, props);
  let shown = null;
  let editing = false;  // a change made through the panel: the panel already shows it

  // Run one of the panel's own edits; the re-render its command would trigger is skipped, so the
  // field the user moved to (the change event fires on leaving a field) is not replaced.
  function edit(commit) {
    editing = true;
    try {
      commit();
    } finally {
      editing = false;
    }
  }

  function render(element) {
    shown = element || canvas.getRootElement();
    container.replaceChildren(picker(shown), ...sections(shown));
  }

  function picker(current) {
    const select = document.createElement("select");
    const elements = registry.filter((e) => !e.labelTarget && e.type !== "label");
    for (const element of elements) {
      const bo = element.businessObject;
      const option = new Option(`${bo.name || bo.id} (${bo.$type.replace("bpmn:", "")})`, element.id);
      option.selected = element === current;
      select.append(option);
    }
    select.addEventListener("change", () => {
      const element = registry.get(select.value);
      if (element === canvas.getRootElement()) selection.select([]);
      else selection.select(element);
      if (element.type !== "bpmn:Process" && !element.waypoints) canvas.scrollToElement(element);
      render(element);
      container.querySelector("select")?.focus();
    });
    return field(s.pick, select);
  }

  function sections(element) {
    const bo = element.businessObject;
    const parts = [heading(bo)];
    if (bo.$type === "bpmn:Process") parts.push(...processFields(element, bo));
    else if (bo.$type === "bpmn:Participant" && bo.processRef) parts.push(...processFields(element, bo.processRef));
    else if (bo.$type === "bpmn:Lane") parts.push(laneField(element, bo));
    else parts.push(text(s.name, bo.name || "", (name) => update(element, { name: name || undefined })));
    if (USER_TASKS.includes(bo.$type)) parts.push(...userTaskFields(element, bo));
    if (bo.$type === "bpmn:ServiceTask") parts.push(serviceField(element, bo));
    if (GATEWAYS_WITH_DEFAULT.includes(bo.$type)) parts.push(defaultFlowField(element, bo));
    const message = (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:MessageEventDefinition");
    if (message && /Throw|End/.test(bo.$type)) parts.push(payloadField(element, message));
    if (bo.$type === "bpmn:SendTask") parts.push(payloadField(element, bo));
    const timer = (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:TimerEventDefinition");
    if (timer) parts.push(...timerFields(element, timer));
    if (USER_TASKS.includes(bo.$type) || bo.$type === "bpmn:BoundaryEvent") parts.push(roleField(element, bo));
    if (bo.$type === "bpmn:SequenceFlow") parts.push(...conditionFields(element, bo));
    return parts;
  }

  function heading(bo) {
    const box = document.createElement("div");
    const title = document.createElement("h2");
    title.textContent = bo.name || bo.id;
    const facts = document.createElement("p");
    facts.className = "muted hint";
    facts.textContent = `${s.type}: ${bo.$type.replace("bpmn:", "")} · ${s.id}: ${bo.id}`;
    box.append(title, facts);
    return box;
  }

  function processFields(element, process) {
    const update = (props) => (process === element.businessObject
      ? modeling.updateProperties(element, props) : modeling.updateModdleProperties(element, process, props));
    const executable = document.createElement("input");
    executable.type = "checkbox";
    executable.checked = !!process.isExecutable;
    executable.addEventListener("change", () => edit(() => update({ isExecutable: executable.checked })));
    return [
      text(s.processId, process.id, (value) => value && update({ id: value })),
      text(s.name, process.name || "", (value) => update({ name: value || undefined })),
      field(s.executable, executable, "", "check"),
    ];
  }

  function laneField(element, bo) {
    const note = document.createElement("p");
    note.className = "hint";
    note.setAttribute("aria-live", "polite");
    const say = (name) => {
      const role = data.laneRoles[(name || "").trim()];
      note.textContent = role ? s.laneRole.replace("{role}", s[`user_role.${role}`] || role) : s.laneUnknown;
      note.classList.toggle("error", !role);
    };
    const list = `lane-names-${++fieldCount}`;
    const rename = (name) => modeling.updateProperties(element, { name });
    const input = text(s.laneName, bo.name || "", rename, "", list);
    const options = document.createElement("datalist");
    options.id = list;
    for (const name of Object.keys(data.laneRoles)) options.append(new Option(name));
    input.querySelector("input").addEventListener("input", (event) => say(event.target.value));
    say(bo.name);
    input.append(options, note);
    return input;
  }

  function userTaskFields(element, bo) {
    const forms = [["", s.formNone], ...data.forms.map(([key, title]) => [key, `${title} (${key})`])];
    const parts = [choice(s.formKey, forms, getProperty(bo, "formKey"),
      (value) => setProperty(modeler, element, "formKey", value))];
    for (const name of TASK_EXPRESSIONS) {
      parts.push(text(s[name], getProperty(bo, name), (value) => setProperty(modeler, element, name, value),
        name === "candidateRole" ? "" : s.expressionHint));
    }
    return parts;
  }

  function roleField(element, bo) {
    const current = getProperty(bo, "domainRole");
    const named = ([role, what]) => [role, `${s[`role.${role}`] || what} (${role})`];
    const roles = [["", s.roleNone], ...data.elementRoles.map(named)];
    if (current && !roles.some(([role]) => role === current)) roles.push([current, current]);
    return choice(s.domainRole, roles, current, (value) => setProperty(modeler, element, "domainRole", value));
  }

  function serviceField(element, bo) {
    const operator = serviceOperator(bo);
    const names = [...new Set([...data.services, ...(operator?.id ? [operator.id] : [])])];
    const select = choice(s.serviceOperator, names.map((name) => [name, name]), operator?.id || "",
      (id) => operator && modeling.updateModdleProperties(element, operator, { id }));
    select.querySelector("select").disabled = !operator;
    return select;
  }

  function defaultFlowField(element, bo) {
    const outgoing = (bo.outgoing || []).map((flow) => [flow.id, flow.name ? `${flow.name} (${flow.id})` : flow.id]);
    return choice(s.defaultChoice, [["", s.noDefault], ...outgoing], bo.default?.id || "", (id) => {
      const flow = (bo.outgoing || []).find((f) => f.id === id);
      modeling.updateProperties(element, { default: flow || undefined });
    });
  }

  function payloadField(element, owner) {
    const type = "spiffworkflow:MessagePayload";
    return text(s.messagePayload, getText(owner, type), (value) => setText(modeler, element, owner, type, value),
      s.messagePayloadHint, "", true);
  }

  function timerFields(element, timer) {
    const kind = TIMER_KINDS.find((k) => timer[k]) || "timeDuration";
    const commit = (newKind, body) => {
      const props = Object.fromEntries(TIMER_KINDS.map((k) => [k, undefined]));
      props[newKind] = bpmnFactory.create("bpmn:FormalExpression", { body });
      modeling.updateModdleProperties(element, timer, props);
    };
    const kindSelect = choice(s.timerType, TIMER_KINDS.map((k) => [k, s[k]]), kind,
      (value) => commit(value, timer[TIMER_KINDS.find((k) => timer[k])]?.body || ""));
    const value = text(s.timerExpression, timer[kind]?.body || "",
      (body) => commit(TIMER_KINDS.find((k) => timer[k]) || kind, body), s.timerHint, "", true);
    return [kindSelect, value];
  }

  function conditionFields(element, bo) {
    const source = bo.sourceRef;
    if (source?.default === bo) return [note(s.defaultFlow)];
    if (source?.$type === "bpmn:ParallelGateway") return [];
    return [text(s.condition, bo.conditionExpression?.body || "", (body) => modeling.updateProperties(element, {
      conditionExpression: body ? bpmnFactory.create("bpmn:FormalExpression", { body }) : undefined,
    }), s.conditionHint, "", true)];
  }

  // -- controls ---------------------------------------------------------------------------
  function text(label, value, commit, hint = "", list = "", multiline = false) {
    const input = document.createElement(multiline ? "textarea" : "input");
    if (multiline) input.rows = 2;
    input.value = value;
    input.spellcheck = false;
    if (list) input.setAttribute("list", list);
    input.addEventListener("change", () => edit(() => commit(input.value.trim())));
    return field(label, input, hint);
  }

  function choice(label, options, value, commit) {
    const select = document.createElement("select");
    for (const [key, title] of options) select.append(new Option(title, key, false, key === value));
    select.addEventListener("change", () => edit(() => commit(select.value)));
    return field(label, select);
  }

  function note(message) {
    const p = document.createElement("p");
    p.className = "muted hint";
    p.textContent = message;
    return p;
  }

  function field(label, control, hint = "", kind = "") {
    const box = document.createElement("div");
    box.className = "field";
    const id = `panel-field-${++fieldCount}`;
    control.id = id;
    const caption = document.createElement("label");
    caption.htmlFor = id;
    caption.textContent = label;
    if (kind === "check") {
      caption.className = "check";
      caption.prepend(control);
      box.append(caption);
    } else {
      box.append(caption, control);
    }
    if (hint) {
      const help = note(hint);
      help.id = `${id}-hint`;
      control.setAttribute("aria-describedby", help.id);
      box.append(help);
    }
    return box;
  }

  const eventBus = modeler.get("eventBus");
  eventBus.on("selection.changed", ({ newSelection }) => render(newSelection[0]));
  // Undo, redo and edits on the canvas show in the panel, unless someone is typing in it.
  eventBus.on("commandStack.changed", () => {
    if (!editing && !container.contains(document.activeElement)) render(registry.get(shown?.id) || null);
  });
  render(null);
  return { render };
}
