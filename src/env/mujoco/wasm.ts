// Loads the official MuJoCo WebAssembly module (npm `mujoco-js`) once per thread and compiles MJCF text
// into an MjModel through its in-memory file system; a model MuJoCo refuses is one UsageError line.
import type { MainModule, MjModel } from 'mujoco-js';
import { UsageError } from '../../types.ts';

export type Mujoco = MainModule;

let loading: Promise<Mujoco> | undefined;
let loaded: Mujoco | undefined;
/** What the module printed since the last compile (its XML parse errors go there). */
const printed: string[] = [];
const capture = (line: string): void => {
  if (printed.length < 20) printed.push(line);
};

/**
 * The module, instantiated on first use (~0.8 s, ~100 MB; the .wasm is embedded in the .js file).
 * MuJoCo's own printing is captured, never written to stdout: esgrad's output stays its own.
 */
export function loadMujoco(): Promise<Mujoco> {
  loading ??= import('mujoco-js').then(async ({ default: factory }) => {
    const mj = await factory({ print: capture, printErr: capture });
    mj.FS.mkdir(MODEL_DIR);
    loaded = mj;
    return mj;
  });
  return loading;
}

/** The module once loadMujoco() has resolved in this thread, for code that builds envs synchronously. */
export function loadedMujoco(): Mujoco {
  if (!loaded) throw new Error('MuJoCo is not loaded in this thread: await loadMujoco() first');
  return loaded;
}

/** Where MJCF text is written in the module's MEMFS (a file is removed once compiled). */
const MODEL_DIR = '/esgrad-models';
let fileCount = 0;

/**
 * The message of a C++ exception MuJoCo's parser or compiler threw out of the WebAssembly module.
 * Both (mjXError, mjCError) hold their text as a char array at the start of the thrown object, and
 * `excPtr` points at that object in the module's memory; `heap` is any view onto that memory.
 */
function thrownMessage(error: unknown, heap: ArrayBufferLike): string | undefined {
  const ptr = (error as { excPtr?: unknown } | null)?.excPtr;
  if (typeof ptr !== 'number' || ptr <= 0 || ptr >= heap.byteLength) return undefined;
  const bytes = new Uint8Array(heap, ptr, Math.min(1000, heap.byteLength - ptr));
  const end = bytes.indexOf(0);
  const text = new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
  return text.trim() === '' ? undefined : text;
}

/** One line out of MuJoCo's multi-line message ("XML Error: ...\nElement 'joint', line 3"). */
const oneLine = (text: string): string =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join('; ');

/**
 * Compiles MJCF text (a complete <mujoco> document; no <include> or mesh files) into a model the
 * caller owns (free it with model.delete()). `label` names the source in errors, e.g. the file path.
 */
export function compileMjcf(mj: Mujoco, mjcfText: string, label: string): MjModel {
  const path = `${MODEL_DIR}/model-${fileCount++}.xml`;
  mj.FS.writeFile(path, mjcfText);
  printed.length = 0;
  let model: MjModel | null;
  try {
    model = mj.MjModel.loadFromXML(path);
  } catch (error) {
    // a C++ exception escaped the module: read its text from the module's memory through any
    // typed view onto it (a throwaway one-element buffer gives one)
    const probe = new mj.DoubleBuffer(1);
    const message = thrownMessage(error, (probe.GetView() as Float64Array).buffer);
    probe.delete();
    throw new UsageError(`${label}: MuJoCo rejected the model: ${oneLine(message ?? String(error))}`);
  } finally {
    mj.FS.unlink(path);
  }
  // a document tinyxml2 cannot parse makes loadFromXML return null and print the reason
  if (!model) {
    const why = oneLine(printed.join('\n').replace(/^Loading error:\s*/, ''));
    throw new UsageError(`${label}: MuJoCo rejected the model: ${why || 'not well-formed XML'}`);
  }
  return model;
}
