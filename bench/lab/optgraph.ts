// Lab: the op types of a population graph after ONNX Runtime's optimisations (shows which NCHWc
// transforms apply: with weights computed in-graph only MaxPool is converted).

import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { getArchitecture } from '../../src/model/architecture.ts';
import { oldPopulationGraph } from './oldgraph.ts';

const [model = 'cnn-29k', ks = '2', level = 'all'] = process.argv.slice(2);
const path = '/tmp/esg-opt.onnx';
await ort.InferenceSession.create(oldPopulationGraph(getArchitecture(model), Number(ks)), {
  executionProviders: ['cpu'],
  graphOptimizationLevel: level as 'all',
  optimizedModelFilePath: path,
});
const m = onnxProto.onnx.ModelProto.decode(readFileSync(path));
for (const n of m.graph!.node!)
  console.log(`${n.domain || 'ai.onnx'}:${n.opType}  ${n.input!.join(',')} -> ${n.output!.join(',')}`);
