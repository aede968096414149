// The spiffworkflow extension elements this engine reads (SpiffWorkflow's parser, engine/marks.py),
// as a moddle package: registered with the modeler they are read, edited and written back as
// typed elements. Every element of the namespace Spiff knows is declared, since an element of a
// registered namespace that the package does not declare would be dropped on import.
const element = (name, properties) => ({ name, superClass: ["Element"], properties });
const text = (name) => element(name, [{ name: "value", type: "String", isBody: true }]);
const attrs = (...names) => names.map((name) => ({ name, type: "String", isAttr: true }));
const many = (name, type) => ({ name, type, isMany: true });
const child = (name, type) => ({ name, type });

export default {
  name: "SpiffWorkflow",
  prefix: "spiffworkflow",
  uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    element("Properties", [many("properties", "Property")]),
    element("Property", attrs("name", "value")),
    element("ServiceTaskOperator", [...attrs("id", "resultVariable"), child("parameters", "Parameters"),
      child("retry", "Retry")]),
    element("Parameters", [many("parameters", "Parameter")]),
    element("Parameter", attrs("id", "type", "value")),
    element("Retry", attrs("retries", "backoff_base")),
    element("ProcessVariableCorrelation", [child("propertyId", "PropertyId"), child("expression", "Expression")]),
    element("TaskMetadataValues", [many("values", "TaskMetadataValue")]),
    element("TaskMetadataValue", attrs("name", "value")),
    element("UnitTests", [many("unitTests", "UnitTest")]),
    element("UnitTest", [...attrs("id"), child("inputJson", "InputJson"),
      child("expectedOutputJson", "ExpectedOutputJson")]),
    ...["PropertyId", "Expression", "MessagePayload", "MessageVariable", "PreScript", "PostScript",
      "InstructionsForEndUser", "CalledDecisionId", "VariableName", "PayloadExpression", "SignalPayload",
      "InputJson", "ExpectedOutputJson", "AllowGuest", "GuestConfirmation"].map(text),
  ],
  enumerations: [],
};
