// Reading and writing the spiffworkflow extension elements of one BPMN element through the
// modeler's commands, so every edit is undoable and lands in the XML the modeler saves.

const PROPERTIES = "spiffworkflow:Properties";

function extensionOf(bo, type) {
  return (bo.extensionElements?.values || []).find((value) => value.$instanceOf(type));
}

/** The value of `<spiffworkflow:property name=…>`, or "". */
export function getProperty(bo, name) {
  const found = (extensionOf(bo, PROPERTIES)?.properties || []).find((p) => p.name === name);
  return found?.value ?? "";
}

/** Set, change or (with "") remove one spiffworkflow property of `element`. */
export function setProperty(modeler, element, name, value) {
  const modeling = modeler.get("modeling");
  const moddle = modeler.get("moddle");
  const bo = element.businessObject;
  let extensions = bo.extensionElements;
  if (!extensions) {
    if (!value) return;
    extensions = moddle.create("bpmn:ExtensionElements", { values: [] });
    modeling.updateProperties(element, { extensionElements: extensions });
  }
  let properties = extensionOf(bo, PROPERTIES);
  if (!properties) {
    if (!value) return;
    properties = moddle.create(PROPERTIES, { properties: [] });
    modeling.updateModdleProperties(element, extensions, { values: [...extensions.values, properties] });
  }
  const list = properties.properties || [];
  const current = list.find((p) => p.name === name);
  if (!value) {
    const kept = list.filter((p) => p !== current);
    if (current) modeling.updateModdleProperties(element, properties, { properties: kept });
  } else if (current) {
    modeling.updateModdleProperties(element, current, { value });
  } else {
    modeling.updateModdleProperties(element, properties, {
      properties: [...list, moddle.create("spiffworkflow:Property", { name, value })],
    });
  }
}

/** The text of a spiffworkflow element holding only text (messagePayload…) in `owner`'s
 * extension elements: an event definition, or the element itself. */
export function getText(owner, type) {
  return extensionOf(owner, type)?.value ?? "";
}

/** Set or (with "") remove such a text element of `owner`, which belongs to `element`. */
export function setText(modeler, element, owner, type, value) {
  const modeling = modeler.get("modeling");
  const moddle = modeler.get("moddle");
  const current = extensionOf(owner, type);
  if (current) {
    const others = owner.extensionElements.values.filter((v) => v !== current);
    if (value) modeling.updateModdleProperties(element, current, { value });
    else modeling.updateModdleProperties(element, owner.extensionElements, { values: others });
    return;
  }
  if (!value) return;
  const created = moddle.create(type, { value });
  if (owner.extensionElements) {
    modeling.updateModdleProperties(element, owner.extensionElements,
      { values: [...owner.extensionElements.values, created] });
  } else {
    const extensions = moddle.create("bpmn:ExtensionElements", { values: [created] });
    modeling.updateModdleProperties(element, owner, { extensionElements: extensions });
  }
}

/** The name of the service a service task calls (`<spiffworkflow:serviceTaskOperator id=…>`). */
export function serviceOperator(bo) {
  return extensionOf(bo, "spiffworkflow:ServiceTaskOperator");
}
