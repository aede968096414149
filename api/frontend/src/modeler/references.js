// SpiffWorkflow reads some BPMN references as variable names: a multi-instance task's
// <bpmn:loopDataInputRef>coordinators</bpmn:loopDataInputRef> names a collection in the
// instance's data, not an element of the diagram. bpmn-moddle drops a reference it cannot
// resolve (with an import warning), so saving would lose it and the engine refuse the diagram.
// Put each one back as a stub carrying only its id, which is all the XML writer reads of it.
const UNRESOLVED = /^unresolved reference <(.+)>$/;

/** Restore the unresolved references of an import; returns the warnings left. */
export function keepUnresolvedReferences(modeler, warnings) {
  const moddle = modeler.get("moddle");
  return warnings.filter((warning) => {
    const found = UNRESOLVED.exec(warning.message || "");
    const property = found && warning.element?.$descriptor?.propertiesByName?.[warning.property];
    if (!property) return true;
    const stub = moddle.create("bpmn:DataInput", { id: found[1] });
    if (property.isMany) warning.element.get(property.name).push(stub);
    else warning.element.set(property.name, stub);
    return false;
  });
}
