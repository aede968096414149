// The spiffworkflow extension elements this engine reads (SpiffWorkflow's parser, engine/marks.py),
// as a moddle package: registered with the modeler they are read, edited and written back as
// typed elements. Every element of the namespace Spiff knows is declared, since an element of a
// registered namespace that the package does not declare would be dropped on import.
const text = (name) => ({ name, superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] });
const attrs = (...names) => names.map((name) => ({ name, type: "String", isAttr: true }));

export default {
  name: "SpiffWorkflow",
  prefix: "spiffworkflow",
  uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    { name: "Properties", superClass: ["Element"], properties: [{ name: "properties", type: "Property", isMany: true }] },
    { name: "Property", superClass: ["Element"], properties: attrs("name", "value") },
    {
      name: "ServiceTaskOperator", superClass: ["Element"],
      properties: [...attrs("id", "resultVariable"), { name: "parameters", type: "Parameters" }, { name: "retry", type: "Retry" }],
    },
    { name: "Parameters", superClass: ["Element"], properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
    { name: "Parameter", superClass: ["Element"], properties: attrs("id", "type", "value") },
    { name: "Retry", superClass: ["Element"], properties: attrs("retries", "backoff_base") },
    {
      name: "ProcessVariableCorrelation", superClass: ["Element"],
      properties: [{ name: "propertyId", type: "PropertyId" }, { name: "expression", type: "Expression" }],
    },
    { name: "TaskMetadataValues", superClass: ["Element"], properties: [{ name: "values", type: "TaskMetadataValue", isMany: true }] },
    { name: "TaskMetadataValue", superClass: ["Element"], properties: attrs("name", "value") },
    { name: "UnitTests", superClass: ["Element"], properties: [{ name: "unitTests", type: "UnitTest", isMany: true }] },
    {
      name: "UnitTest", superClass: ["Element"],
      properties: [...attrs("id"), { name: "inputJson", type: "InputJson" }, { name: "expectedOutputJson", type: "ExpectedOutputJson" }],
    },
    ...["PropertyId", "Expression", "MessagePayload", "MessageVariable", "PreScript", "PostScript",
      "InstructionsForEndUser", "CalledDecisionId", "VariableName", "PayloadExpression", "SignalPayload",
      "InputJson", "ExpectedOutputJson", "AllowGuest", "GuestConfirmation"].map(text),
  ],
  enumerations: [],
};
