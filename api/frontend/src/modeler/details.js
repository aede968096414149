// What the engine reads of one element, flattened to text: its spiffworkflow properties, its
// timer, its condition, the service it calls. bpmn-js-differ only reports attributes of the
// tracked element itself, so a changed form key, role mark or timer (nested in extension
// elements and event definitions) would go unseen in a diff; these are compared as well.
import { serviceOperator } from "./extensions.js";

const TIMER_KINDS = ["timeDate", "timeDuration", "timeCycle"];

export function engineDetails(bo) {
  const found = {};
  for (const value of bo.extensionElements?.values || []) {
    if (value.$instanceOf("spiffworkflow:Properties")) {
      for (const property of value.properties || []) found[`property ${property.name}`] = property.value ?? "";
    }
  }
  const operator = serviceOperator(bo);
  if (operator) found.serviceTaskOperator = operator.id;
  for (const definition of bo.eventDefinitions || []) {
    for (const kind of TIMER_KINDS) if (definition[kind]) found[kind] = definition[kind].body ?? "";
  }
  if (bo.conditionExpression) found.conditionExpression = bo.conditionExpression.body ?? "";
  return found;
}

/** Each difference between two elements' details: [name, before, after]. */
export function detailChanges(before, after) {
  const a = engineDetails(before), b = engineDetails(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    .filter((name) => a[name] !== b[name]).map((name) => [name, a[name], b[name]]);
}
