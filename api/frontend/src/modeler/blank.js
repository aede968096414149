// The diagram a new flow starts from: an executable process with a start event; the spiffworkflow
// namespace is declared so the panel's properties are written with the prefix the engine reads.
export const BLANK = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="new_definitions" targetNamespace="https://qlvbdh.example/bpmn">
  <bpmn:process id="quy_trinh_moi" name="Quy trình mới" isExecutable="true">
    <bpmn:startEvent id="start" name="Bắt đầu"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="new_diagram">
    <bpmndi:BPMNPlane id="new_plane" bpmnElement="quy_trinh_moi">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36"/>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
