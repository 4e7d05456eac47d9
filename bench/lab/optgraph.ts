// Dumps the op types of the graph ORT runs after its optimisations.
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { getArchitecture } from '../../src/model/architecture.ts';
import { populationGraph } from '../../src/model/graphs.ts';
const [model = 'cnn-29k', ks = '2', level = 'all'] = process.argv.slice(2);
const path = '/tmp/esg-opt.onnx';
await ort.InferenceSession.create(populationGraph(getArchitecture(model), Number(ks)), { executionProviders: ['cpu'], graphOptimizationLevel: level as 'all', optimizedModelFilePath: path });
const m = onnxProto.onnx.ModelProto.decode(readFileSync(path));
for (const n of m.graph!.node!) console.log(`${n.domain || 'ai.onnx'}:${n.opType}  ${n.input!.join(',')} -> ${n.output!.join(',')}`);
