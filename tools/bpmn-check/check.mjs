#!/usr/bin/env node
// Check BPMN 2.0 files written by `qyzmet render ID --format bpmn` with bpmn-moddle, the model
// library under bpmn.io's modelers. A file passes only if it imports with no error and no
// warning, and if its structure is what a modeler needs to display and edit it:
//
//   - a collaboration whose participants each reference a process of this file;
//   - every flow node (tasks, events, gateways, call activities) in exactly one lane;
//   - sequence flows wired both ways (source.outgoing / target.incoming) inside one process;
//   - timers with an ISO-8601 timeDuration, attached to an activity;
//   - call activities calling a process of this file;
//   - a DI shape (with bounds) for every participant, lane, flow node and annotation, and a DI
//     edge (with at least two waypoints) for every sequence flow and association.
//
// Usage: node check.mjs FILE.bpmn...   Exit 0: all pass; 1: a check failed; 2: usage.

import { readFile } from 'node:fs/promises';
import { BpmnModdle } from 'bpmn-moddle';

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const NCNAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function is(el, type) {
  return el && typeof el.$instanceOf === 'function' && el.$instanceOf(type);
}

async function checkFile(file) {
  const problems = [];
  const fail = (msg) => problems.push(msg);
  const xml = await readFile(file, 'utf8');
  const moddle = new BpmnModdle();
  let result;
  try {
    result = await moddle.fromXML(xml, 'bpmn:Definitions');
  } catch (e) {
    return { problems: [`import failed: ${e.message}`] };
  }
  const { rootElement: defs, warnings, elementsById } = result;
  for (const w of warnings) {
    fail(`import warning: ${w.message}`);
  }
  if (!is(defs, 'bpmn:Definitions')) {
    return { problems: [...problems, 'root element is not bpmn:Definitions'] };
  }
  for (const id of Object.keys(elementsById)) {
    if (!NCNAME.test(id)) fail(`id \`${id}\` is not an NCName`);
  }

  const roots = defs.rootElements || [];
  const processes = roots.filter((e) => is(e, 'bpmn:Process'));
  const collaborations = roots.filter((e) => is(e, 'bpmn:Collaboration'));
  if (processes.length === 0) fail('no process');
  if (collaborations.length !== 1) fail(`expected one collaboration, found ${collaborations.length}`);
  const processIds = new Set(processes.map((p) => p.id));

  const participated = new Map();
  for (const c of collaborations) {
    for (const p of c.participants || []) {
      if (!p.name) fail(`participant ${p.id} has no name`);
      if (!p.processRef) {
        fail(`participant ${p.id} references no process`);
      } else if (!processIds.has(p.processRef.id)) {
        fail(`participant ${p.id} references ${p.processRef.id}, not a process of this file`);
      } else {
        participated.set(p.processRef.id, (participated.get(p.processRef.id) || 0) + 1);
      }
    }
  }
  for (const p of processes) {
    if (participated.get(p.id) !== 1) fail(`process ${p.id} is not the process of exactly one participant`);
  }

  // What the diagram draws.
  const shapes = new Map();
  const edges = new Map();
  const diagrams = defs.diagrams || [];
  if (diagrams.length === 0) fail('no BPMNDiagram (BPMNDI): modelers cannot display the file');
  for (const d of diagrams) {
    const plane = d.plane;
    if (!plane || !plane.bpmnElement) {
      fail(`diagram ${d.id} has no plane for a collaboration or process`);
      continue;
    }
    for (const el of plane.planeElement || []) {
      if (!el.bpmnElement) {
        fail(`DI element ${el.id} references nothing`);
        continue;
      }
      if (is(el, 'bpmndi:BPMNShape')) {
        const b = el.bounds;
        if (!b || !(b.width > 0) || !(b.height > 0)) fail(`shape ${el.id} has no bounds`);
        shapes.set(el.bpmnElement.id, el);
      } else if (is(el, 'bpmndi:BPMNEdge')) {
        if (!el.waypoint || el.waypoint.length < 2) fail(`edge ${el.id} has fewer than two waypoints`);
        edges.set(el.bpmnElement.id, el);
      }
    }
  }
  const needShape = (el) => {
    if (!shapes.has(el.id)) fail(`${el.$type} ${el.id} has no DI shape`);
  };
  const needEdge = (el) => {
    if (!edges.has(el.id)) fail(`${el.$type} ${el.id} has no DI edge`);
  };
  for (const c of collaborations) (c.participants || []).forEach(needShape);

  let flowNodes = 0;
  let activities = 0;
  for (const p of processes) {
    const lanes = (p.laneSets || []).flatMap((ls) => ls.lanes || []);
    if (lanes.length === 0) fail(`process ${p.id} has no lanes`);
    const laneOf = new Map();
    for (const l of lanes) {
      needShape(l);
      if (!l.name) fail(`lane ${l.id} has no name`);
      if (!l.flowNodeRef || l.flowNodeRef.length === 0) fail(`lane ${l.id} is empty`);
      for (const n of l.flowNodeRef || []) {
        if (laneOf.has(n.id)) fail(`${n.id} is in two lanes (${laneOf.get(n.id)}, ${l.id})`);
        laneOf.set(n.id, l.id);
      }
    }
    const elements = p.flowElements || [];
    const inProcess = new Set(elements.map((e) => e.id));
    for (const id of laneOf.keys()) {
      if (!inProcess.has(id)) fail(`lane of process ${p.id} refers to ${id}, which is not in the process`);
    }
    let starts = 0;
    let ends = 0;
    for (const e of elements) {
      if (is(e, 'bpmn:SequenceFlow')) {
        needEdge(e);
        const s = e.sourceRef;
        const t = e.targetRef;
        if (!s || !t) {
          fail(`sequence flow ${e.id} lacks a source or a target`);
          continue;
        }
        if (!inProcess.has(s.id) || !inProcess.has(t.id)) fail(`sequence flow ${e.id} leaves process ${p.id}`);
        if (!(s.outgoing || []).includes(e)) fail(`sequence flow ${e.id} is not among ${s.id}'s outgoing`);
        if (!(t.incoming || []).includes(e)) fail(`sequence flow ${e.id} is not among ${t.id}'s incoming`);
        if (is(t, 'bpmn:StartEvent') || is(t, 'bpmn:BoundaryEvent')) fail(`sequence flow ${e.id} enters ${t.id}`);
        if (is(s, 'bpmn:EndEvent')) fail(`sequence flow ${e.id} leaves end event ${s.id}`);
        continue;
      }
      if (!is(e, 'bpmn:FlowNode')) continue;
      flowNodes += 1;
      needShape(e);
      if (!laneOf.has(e.id)) fail(`${e.$type} ${e.id} (${e.name || 'no name'}) has no lane`);
      if (is(e, 'bpmn:StartEvent')) starts += 1;
      if (is(e, 'bpmn:EndEvent')) ends += 1;
      if (is(e, 'bpmn:Activity')) {
        activities += 1;
        if (!e.name) fail(`activity ${e.id} has no name`);
        if (!(e.incoming || []).length) fail(`activity ${e.id} has no incoming flow`);
        if (!(e.outgoing || []).length) fail(`activity ${e.id} has no outgoing flow`);
      }
      if (is(e, 'bpmn:CallActivity') && !processIds.has(e.calledElement)) {
        fail(`call activity ${e.id} calls \`${e.calledElement}\`, not a process of this file`);
      }
      if (is(e, 'bpmn:ExclusiveGateway')) {
        if (!(e.incoming || []).length || !(e.outgoing || []).length) fail(`gateway ${e.id} is not wired`);
        if (e.default && !(e.outgoing || []).includes(e.default)) fail(`gateway ${e.id}: default flow is not outgoing`);
      }
      if (is(e, 'bpmn:BoundaryEvent')) {
        if (!e.attachedToRef || !is(e.attachedToRef, 'bpmn:Activity')) fail(`boundary event ${e.id} is not attached to an activity`);
        for (const def of e.eventDefinitions || []) {
          if (is(def, 'bpmn:TimerEventDefinition')) {
            const body = def.timeDuration && def.timeDuration.body;
            if (!body || !ISO_DURATION.test(body.trim())) fail(`timer ${e.id}: timeDuration \`${body}\` is not ISO-8601`);
          }
        }
        if (!(e.eventDefinitions || []).length) fail(`boundary event ${e.id} has no event definition`);
      }
    }
    if (starts === 0) fail(`process ${p.id} has no start event`);
    if (ends === 0) fail(`process ${p.id} has no end event`);
    for (const a of p.artifacts || []) {
      if (is(a, 'bpmn:TextAnnotation')) {
        needShape(a);
        if (!a.text) fail(`text annotation ${a.id} is empty`);
      } else if (is(a, 'bpmn:Association')) {
        needEdge(a);
        if (!a.sourceRef || !a.targetRef) fail(`association ${a.id} lacks a source or a target`);
      }
    }
  }
  return { problems, summary: `${processes.length} process(es), ${flowNodes} flow node(s), ${activities} activit(ies)` };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check.mjs FILE.bpmn...');
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  const { problems, summary } = await checkFile(f);
  if (problems.length) {
    failed += 1;
    console.log(`FAIL ${f}`);
    for (const p of problems) console.log(`  - ${p}`);
  } else {
    console.log(`ok   ${f}: ${summary}`);
  }
}
process.exit(failed ? 1 : 0);
