// simrun's timeline read by Chrome DevTools' own trace engine (npm @paulirish/trace_engine): it
// parses; every context's track is there with its name; every complete slice lands in its track's
// tree (none dropped as misnested); the engine raises no warning.
// usage: node timeline_trace_engine.mjs TIMELINE.json[.gz] NODE_MODULES_PREFIX
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {pathToFileURL} from 'node:url';

const [file, prefix] = process.argv.slice(2);
const engine = path.join(prefix, 'node_modules/@paulirish/trace_engine/analyze-trace.mjs');
const {analyzeTrace} = await import(pathToFileURL(engine).href);

let text = fs.readFileSync(file);
if (file.endsWith('.gz')) text = zlib.gunzipSync(text);
const events = JSON.parse(text.toString('utf8')).traceEvents;
const names = new Map();  // tid -> thread name
const slices = new Map();  // tid -> complete slices
for (const e of events) {
  if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid, e.args.name);
  if (e.ph === 'X') slices.set(e.tid, (slices.get(e.tid) || 0) + 1);
}

const {parsedTrace} = await analyzeTrace(file);
const data = parsedTrace.data;
const fail = (what) => {
  console.error('timeline_trace_engine: ' + what);
  process.exit(1);
};
const proc = data.Renderer.processes.get(1);
if (!proc) fail('no process 1 in the parsed trace');
for (const [tid, count] of slices) {
  const t = proc.threads.get(tid);
  if (!t) fail(`track ${tid} (${names.get(tid)}) is missing`);
  if (t.name !== names.get(tid)) fail(`track ${tid} is named ${t.name}, not ${names.get(tid)}`);
  if (t.entries.length !== count)
    fail(`track ${tid} (${t.name}): ${t.entries.length} of ${count} slices in its tree`);
}
const warnings = data.Warnings.perWarning ? [...data.Warnings.perWarning.keys()] : [];
if (warnings.length) fail('the trace engine warns: ' + warnings.join(', '));
if (!(data.Meta.traceBounds.range > 0)) fail('the trace has no time range');
console.log(`ok: ${slices.size} tracks, every slice in its tree, no warning`);
