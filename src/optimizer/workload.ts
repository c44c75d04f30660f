// The workload model: turns a request (raw needs or a described job) into GPU memory, GPU count and
// run time per GPU model. Pure; every formula names its source. GB here are 10^9 bytes, as GPU
// datasheets count them.
import type { GpuSpec } from '../catalog/gpus';
import type { FinetuneMethod, Precision, RecommendationRequest, WorkloadKind } from './request';
import { MAX_INSTANCE_VRAM_GB } from './request';

/** Bytes per weight. int8/int4 are weight-only quantization (GPTQ/AWQ/bitsandbytes); their scales are left out (< 4%). */
export const BYTES_PER_PARAM: Readonly<Record<Precision, number>> = { fp32: 4, bf16: 2, fp16: 2, int8: 1, int4: 0.5 };

/**
 * QLoRA's 4-bit NormalFloat base: 4 bits per weight plus 0.127 bits of double-quantized constants
 * (Dettmers et al. 2023, "QLoRA", §3): 4.127 / 8 bytes.
 */
export const NF4_BYTES_PER_PARAM = 4.127 / 8;

/**
 * Mixed-precision Adam keeps 16 bytes per trained parameter: fp16/bf16 weights (2) and gradients (2),
 * and fp32 master weights, momentum and variance (4 + 4 + 4). Rajbhandari et al. 2020, "ZeRO", §3.1.
 * fp32 training needs the same 16 (4 weights + 4 gradients + 8 Adam).
 */
export const TRAIN_BYTES_PER_PARAM = 16;

/**
 * Runtime overhead on top of weights, caches and activations: CUDA context, allocator fragmentation,
 * communication buffers, temporary tensors. vLLM reserves the same 10% by default
 * (gpu_memory_utilization 0.9); EleutherAI's "Transformer Math 101" puts inference at ≤ 20% over the
 * weights, KV cache included.
 */
export const OVERHEAD = 0.1;

/**
 * Model FLOPs utilisation (share of the GPU's dense peak that does useful model FLOPs, as PaLM defines
 * it, Chowdhery et al. 2022 §4.1: recomputation not counted). Large dense training reaches 40–50%;
 * QLoRA dequantizes its 4-bit weights in every matmul and runs markedly slower.
 */
export const MFU = { train: 0.4, lora: 0.4, qlora: 0.25, decode: 0.4 } as const;

/**
 * Decoding one token reads every weight and the KV cache once, so single-stream generation is memory
 * bound: tokens/s ≈ bandwidth × MBU / bytes read per step. Well-tuned servers reach ~60% memory
 * bandwidth utilisation (Databricks, "LLM Inference Performance Engineering: Best Practices", 2023).
 */
export const MBU = 0.6;

/** LoRA rank assumed for adapter size (r = 16 on every linear layer, the common recipe). */
export const LORA_RANK = 16;

/**
 * Dense decoder shapes of common open models (their published configs). A size in between takes the
 * nearest shape: KV cache and activations depend on layers, width and KV heads, which parameters
 * alone do not fix (grouped-query attention shrinks the cache 8× at the same size).
 */
export interface ModelShape {
  basis: string;
  paramsB: number;
  layers: number;
  hidden: number;
  kvHeads: number;
  headDim: number;
}

export const MODEL_SHAPES: readonly ModelShape[] = [
  { basis: 'Llama-3.2-1B', paramsB: 1.2, layers: 16, hidden: 2048, kvHeads: 8, headDim: 64 },
  { basis: 'Llama-3.2-3B', paramsB: 3.2, layers: 28, hidden: 3072, kvHeads: 8, headDim: 128 },
  { basis: 'Llama-3.1-8B', paramsB: 8, layers: 32, hidden: 4096, kvHeads: 8, headDim: 128 },
  { basis: 'Llama-2-13B', paramsB: 13, layers: 40, hidden: 5120, kvHeads: 40, headDim: 128 },
  { basis: 'Qwen2.5-32B', paramsB: 32.5, layers: 64, hidden: 5120, kvHeads: 8, headDim: 128 },
  { basis: 'Llama-3.1-70B', paramsB: 70.6, layers: 80, hidden: 8192, kvHeads: 8, headDim: 128 },
  { basis: 'Llama-3.1-405B', paramsB: 405, layers: 126, hidden: 16384, kvHeads: 8, headDim: 128 },
];

/** The shape of the common model nearest in size (log distance). */
export function modelShape(paramsB: number): ModelShape {
  let best = MODEL_SHAPES[0]!;
  for (const shape of MODEL_SHAPES) if (Math.abs(Math.log(shape.paramsB / paramsB)) < Math.abs(Math.log(best.paramsB / paramsB))) best = shape;
  return best;
}

/** Memory terms, GB, before overhead. `sharded` splits across the instance's GPUs; `perGpu` is on every GPU. */
export interface MemoryTerms {
  weightsGb?: number;
  kvCacheGb?: number;
  trainingStatesGb?: number;
  adapterGb?: number;
  activationsPerGpuGb?: number;
}

export interface Workload {
  source: 'raw' | 'described';
  kind: WorkloadKind | null;
  precision: Precision | null;
  finetuneMethod: FinetuneMethod | null;
  shape: ModelShape | null;
  terms: MemoryTerms;
  /** Memory split across GPUs (tensor parallel or ZeRO-3/FSDP sharding), overhead included, GB. */
  shardedGb: number;
  /** Memory every GPU holds on its own (its micro-batch's activations), overhead included, GB. */
  perGpuGb: number;
  /** shardedGb + perGpuGb: the whole need on one GPU. */
  totalGb: number;
  /** Tensor parallelism splits attention heads evenly: 1, 2, 4, 8 … GPUs per model replica. */
  powerOfTwoGpus: boolean;
  minGpuCount: number;
  minTflopsPerGpu: number | null;
  minTokensPerSecond: number | null;
  /** Run time when it is the same on every offer; null when computed per offer. */
  fixedHours: number | null;
  /** Offers taking longer than this are left out (hours given together with datasetTokens). */
  deadlineHours: number | null;
  /** Compute-bound job: model FLOPs to do and the utilisation assumed. */
  compute: { flops: number; mfu: number; tokens: number } | null;
  /** Token generation: bytes and FLOPs per decode step, sequences per step, tokens to generate (null: a service). */
  decode: { bytesPerStep: number; flopsPerStep: number; batch: number; tokens: number | null } | null;
  /** Whether an interruption loses work done since the last checkpoint (jobs), or only restart time (services). */
  losesWork: boolean;
  checkpointIntervalHours: number;
  /** The arithmetic behind the numbers, one line per term, for people. */
  formulas: string[];
  assumptions: string[];
}

export class WorkloadError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'WorkloadError';
  }
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const gb = (x: number) => `${round(x, 2)} GB`;
const sci = (x: number) => x.toExponential(2).replace('e+', 'e');

/** Activation memory per GPU with activation checkpointing, GB (see `interpret`). */
function checkpointedActivationsGb(shape: ModelShape, seq: number, microBatch: number, bytes: number): number {
  // Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models"): a layer's
  // activations are s·b·h·(34 + 5·a·s/h) bytes at 16 bits; FlashAttention removes the a·s² term. With
  // full checkpointing only each layer's input (2·s·b·h bytes) is kept, plus one layer's working set
  // while it is recomputed.
  return ((2 * shape.layers + 34) * seq * microBatch * shape.hidden * (bytes / 2)) / 1e9;
}

/** Turns a parsed request into a workload. Throws WorkloadError when no single instance could run it. */
export function interpret(r: RecommendationRequest): Workload {
  const assumptions: string[] = [];
  const base = {
    minGpuCount: r.gpuCount ?? 1,
    minTflopsPerGpu: r.minTflops ?? null,
    minTokensPerSecond: null as number | null,
    checkpointIntervalHours: r.checkpointIntervalHours ?? 1,
  };

  if (r.kind === undefined) {
    const totalGb = r.gpuMemoryGb ?? 0;
    if (r.hours === undefined) assumptions.push('hours not given: 1 hour');
    return {
      ...base,
      source: 'raw',
      kind: null,
      precision: null,
      finetuneMethod: null,
      shape: null,
      terms: {},
      shardedGb: totalGb,
      perGpuGb: 0,
      totalGb,
      powerOfTwoGpus: false,
      fixedHours: r.hours ?? 1,
      deadlineHours: null,
      compute: null,
      decode: null,
      losesWork: true,
      formulas: totalGb > 0 ? [`memory = ${gb(totalGb)} as given, split across the instance's GPUs`] : [],
      assumptions,
    };
  }

  const kind = r.kind;
  const paramsB = r.modelParamsB ?? 3.5;
  if (r.modelParamsB === undefined) assumptions.push('modelParamsB not given: 3.5 (an SDXL-class pipeline: UNet and text encoders)');
  const params = paramsB * 1e9;
  const method: FinetuneMethod | null = kind === 'llm_finetune' ? (r.finetuneMethod ?? 'lora') : null;
  if (kind === 'llm_finetune' && r.finetuneMethod === undefined) assumptions.push('finetuneMethod not given: lora');
  const precision: Precision = r.precision ?? (method === 'qlora' ? 'int4' : kind === 'image_generation' ? 'fp16' : 'bf16');
  if (r.precision === undefined) assumptions.push(`precision not given: ${precision}`);
  const shape = modelShape(paramsB);
  const trains = kind === 'training' || kind === 'llm_finetune';
  const seq = r.contextTokens ?? (trains ? 2048 : 4096);
  if (r.contextTokens === undefined && kind !== 'image_generation') assumptions.push(`contextTokens not given: ${seq}`);
  const batch = r.batchSize ?? (kind === 'batch' ? 32 : trains ? 4 : 1);
  if (r.batchSize === undefined && kind !== 'image_generation') assumptions.push(`batchSize not given: ${batch}${trains ? ' per GPU (micro-batch)' : ''}`);
  const terms: MemoryTerms = {};
  const formulas: string[] = [];
  const bytesOf = (p: Precision) => `${BYTES_PER_PARAM[p]} bytes (${p})`;
  let sharded = 0;
  let perGpu = 0;
  let compute: Workload['compute'] = null;
  let decode: Workload['decode'] = null;
  let powerOfTwoGpus = false;
  let losesWork = true;

  if (kind === 'llm_inference' || kind === 'batch') {
    // Weights: parameters × bytes per parameter. KV cache: keys and values (2) for every layer, KV
    // head and position of every sequence: 2 × layers × kvHeads × headDim × context × batch × 2 bytes
    // (a 16-bit cache even for quantized weights). Both split across GPUs by tensor parallelism.
    const kvBytes = precision === 'fp32' ? 4 : 2;
    terms.weightsGb = (params * BYTES_PER_PARAM[precision]) / 1e9;
    terms.kvCacheGb = (2 * shape.layers * shape.kvHeads * shape.headDim * seq * batch * kvBytes) / 1e9;
    sharded = terms.weightsGb + terms.kvCacheGb;
    powerOfTwoGpus = true;
    formulas.push(
      `weights = ${paramsB}e9 params × ${bytesOf(precision)} = ${gb(terms.weightsGb)}`,
      `KV cache = 2 × ${shape.layers} layers × ${shape.kvHeads} KV heads × ${shape.headDim} dims × ${seq} tokens × ${batch} sequences × ${kvBytes} bytes = ${gb(terms.kvCacheGb)} (shape of ${shape.basis})`,
    );
    // A decode step reads all weights and the whole cache (conservatively at full context) and does
    // 2 FLOPs per parameter per sequence (Kaplan et al. 2020: forward pass ≈ 2N FLOPs per token).
    const tokens = r.datasetTokens ?? null;
    decode = { bytesPerStep: (terms.weightsGb + terms.kvCacheGb) * 1e9, flopsPerStep: 2 * params * batch, batch, tokens };
    formulas.push(
      `decode step: reads ${gb(terms.weightsGb + terms.kvCacheGb)} at ${MBU * 100}% of memory bandwidth, or ${sci(decode.flopsPerStep)} FLOPs at ${MFU.decode * 100}% of dense peak, whichever is slower; tokens/s = ${batch} sequences × replicas / step time`,
    );
    if (tokens !== null) formulas.push(`hours = ${sci(tokens)} tokens / tokens per second / 3600`);
    losesWork = tokens !== null;
    if (kind === 'llm_inference' && r.tokensPerSecond !== undefined) base.minTokensPerSecond = r.tokensPerSecond;
  } else if (kind === 'image_generation') {
    // Diffusion pipelines are small; their working memory (UNet activations, VAE decode at 1024²)
    // is taken as 20% of the weights plus 0.5 GB per image in the batch (a rough figure, not a model).
    terms.weightsGb = (params * BYTES_PER_PARAM[precision]) / 1e9;
    terms.activationsPerGpuGb = terms.weightsGb * 0.2 + 0.5 * batch;
    // One pipeline per GPU: the weights are not split.
    perGpu = terms.weightsGb + terms.activationsPerGpuGb;
    losesWork = false;
    formulas.push(
      `weights = ${paramsB}e9 params × ${bytesOf(precision)} = ${gb(terms.weightsGb)}, on every GPU`,
      `working memory = 20% of weights + 0.5 GB × ${batch} images = ${gb(terms.activationsPerGpuGb)}`,
    );
    assumptions.push('image generation run time is not modeled: it lasts `hours` on every offer');
  } else {
    const actBytes = precision === 'fp32' ? 4 : 2;
    terms.activationsPerGpuGb = checkpointedActivationsGb(shape, seq, batch, actBytes);
    perGpu = terms.activationsPerGpuGb;
    formulas.push(`activations per GPU = (2 × ${shape.layers} layers + 34) × ${seq} tokens × ${batch} micro-batch × ${shape.hidden} hidden × ${actBytes} bytes / 2 = ${gb(terms.activationsPerGpuGb)} (checkpointed; shape of ${shape.basis})`);
    assumptions.push('activation checkpointing on; weights, gradients and optimizer states sharded across GPUs (ZeRO-3 / FSDP)');
    const tokens = r.datasetTokens === undefined ? null : r.datasetTokens * (r.epochs ?? 1);
    let flopsPerToken: number;
    let mfu: number;
    if (method === 'lora' || method === 'qlora') {
      // Frozen base at its precision (NF4 for QLoRA) plus adapters trained with Adam. LoRA adds
      // r × (d_in + d_out) per adapted matrix; on q, k, v, o (6h + 2·kv) and a SwiGLU MLP of width
      // 3.5h (gate, up, down: 3 × 4.5h) that is r × (19.5h + 2·kv) per layer (Hu et al. 2021, "LoRA").
      const kvDim = shape.kvHeads * shape.headDim;
      const adapterParams = shape.layers * LORA_RANK * (19.5 * shape.hidden + 2 * kvDim);
      terms.weightsGb = (params * (method === 'qlora' ? NF4_BYTES_PER_PARAM : BYTES_PER_PARAM[precision])) / 1e9;
      terms.adapterGb = (adapterParams * TRAIN_BYTES_PER_PARAM) / 1e9;
      sharded = terms.weightsGb + terms.adapterGb;
      formulas.push(
        `frozen base = ${paramsB}e9 params × ${method === 'qlora' ? `${round(NF4_BYTES_PER_PARAM, 3)} bytes (NF4 + double-quantized constants)` : bytesOf(precision)} = ${gb(terms.weightsGb)}`,
        `adapters = ${shape.layers} layers × rank ${LORA_RANK} × (19.5 × ${shape.hidden} + 2 × ${kvDim}) = ${sci(adapterParams)} params × ${TRAIN_BYTES_PER_PARAM} bytes = ${gb(terms.adapterGb)}`,
      );
      // Forward 2N plus the backward pass's activation gradients 2N; frozen weights need no weight
      // gradients (the other 2N of the usual 6N).
      flopsPerToken = 4 * params;
      mfu = method === 'qlora' ? MFU.qlora : MFU.lora;
    } else {
      terms.trainingStatesGb = (params * TRAIN_BYTES_PER_PARAM) / 1e9;
      sharded = terms.trainingStatesGb;
      formulas.push(`weights + gradients + Adam states = ${paramsB}e9 params × ${TRAIN_BYTES_PER_PARAM} bytes = ${gb(terms.trainingStatesGb)}`);
      // Training compute C ≈ 6·N·D (Kaplan et al. 2020, "Scaling Laws for Neural Language Models";
      // Hoffmann et al. 2022): 2N forward + 4N backward per token.
      flopsPerToken = 6 * params;
      mfu = MFU.train;
    }
    if (tokens !== null) {
      compute = { flops: flopsPerToken * tokens, mfu, tokens };
      formulas.push(
        `compute = ${flopsPerToken / params} × ${paramsB}e9 params × ${sci(tokens)} tokens = ${sci(compute.flops)} FLOPs`,
        `hours = FLOPs / (GPUs × dense ${precision === 'fp32' ? 'TF32' : precision.toUpperCase()} TFLOPS × ${mfu * 100}% MFU) / 3600`,
      );
    }
  }

  const shardedGb = sharded * (1 + OVERHEAD);
  const perGpuGb = perGpu * (1 + OVERHEAD);
  const totalGb = shardedGb + perGpuGb;
  formulas.push(
    `total = (${gb(sharded)} split across GPUs + ${gb(perGpu)} per GPU) × ${1 + OVERHEAD} overhead = ${gb(shardedGb)} + ${gb(perGpuGb)} per GPU`,
    `GPUs needed on a GPU with V GB = ceil(${gb(shardedGb)} / (V − ${gb(perGpuGb)}))${powerOfTwoGpus ? ', rounded up to a power of two (tensor parallelism)' : ''}`,
  );
  if (totalGb > MAX_INSTANCE_VRAM_GB) {
    throw new WorkloadError(
      `this ${kind} job needs about ${Math.round(totalGb).toLocaleString('en-US')} GB of GPU memory, more than any single instance has ` +
        `(at most ${MAX_INSTANCE_VRAM_GB.toLocaleString('en-US')} GB); multi-node jobs are not planned. ` +
        (trains && method !== 'qlora' ? 'Try finetuneMethod lora or qlora, a smaller model, or a shorter context.' : 'Try a lower precision, a smaller batch or a shorter context.'),
      'modelParamsB',
    );
  }
  const variable = compute !== null || (decode !== null && decode.tokens !== null);
  const fixedHours = variable ? null : (r.hours ?? 1);
  if (!variable && r.hours === undefined) assumptions.push('hours not given: 1 hour');
  return {
    ...base,
    source: 'described',
    kind,
    precision,
    finetuneMethod: method,
    shape,
    terms: Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, round(v, 3)])) as MemoryTerms,
    shardedGb,
    perGpuGb,
    totalGb,
    powerOfTwoGpus,
    fixedHours,
    deadlineHours: variable ? (r.hours ?? null) : null,
    compute,
    decode,
    losesWork,
    formulas,
    assumptions,
  };
}

/** Dense tensor TFLOPS a GPU gives the workload's precision. */
export function effectiveTflops(w: Workload, gpu: GpuSpec): number {
  if (w.precision === 'bf16') return gpu.bf16Tflops > 0 ? gpu.bf16Tflops : gpu.fp16Tflops;
  if (w.precision === 'fp32') {
    // TF32 runs at half the FP16 tensor rate from Ampere on; older GPUs have no TF32 and run FP32
    // on CUDA cores at about an eighth of their FP16 tensor rate (V100: 15.7 vs 125).
    return ['Volta', 'Turing', 'Pascal'].includes(gpu.architecture) ? gpu.fp16Tflops / 8 : gpu.fp16Tflops / 2;
  }
  // fp16, and int8/int4 weight-only quantization, which dequantizes to fp16 for the math.
  return gpu.fp16Tflops;
}

export interface Sizing {
  /** GPUs one copy of the job needs on this GPU (Infinity when even one GPU cannot hold its per-GPU part). */
  gpusNeeded: number;
  /** Memory per GPU at gpusNeeded, GB. */
  memoryPerGpuGb: number;
  /** GPUs the job uses: all of the instance's (data parallel / replicas), or gpusNeeded for a fixed-time job. */
  gpusUsed: number;
  /** Run time without interruptions; Infinity when the job does not fit. */
  hours: number;
  tokensPerSecond: number | null;
  fitsMemory: boolean;
  /** Meets minTokensPerSecond (true when there is none; false when memory does not fit). */
  meetsThroughput: boolean;
  /** Finishes within deadlineHours (true when there is none; unknown, so true, when memory does not fit). */
  meetsDeadline: boolean;
}

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(n));

/**
 * The workload on one instance of `gpuCount` × `gpu` with `vramGbPerGpu` each (the offer's figure).
 * GPU count and TFLOPS minimums are the caller's checks: they do not depend on the workload model.
 */
export function sizeOn(w: Workload, gpu: GpuSpec, vramGbPerGpu: number, gpuCount: number): Sizing {
  const room = vramGbPerGpu - w.perGpuGb;
  let gpusNeeded = room <= 0 ? Infinity : Math.max(1, Math.ceil(w.shardedGb / room - 1e-9));
  if (w.powerOfTwoGpus && Number.isFinite(gpusNeeded)) gpusNeeded = nextPowerOfTwo(gpusNeeded);
  const memoryPerGpuGb = Number.isFinite(gpusNeeded) ? w.shardedGb / gpusNeeded + w.perGpuGb : Infinity;
  if (gpusNeeded > gpuCount) {
    return { gpusNeeded, memoryPerGpuGb, gpusUsed: gpuCount, hours: Infinity, tokensPerSecond: null, fitsMemory: false, meetsThroughput: w.minTokensPerSecond === null, meetsDeadline: true };
  }

  let hours = w.fixedHours ?? 1;
  let tokensPerSecond: number | null = null;
  if (w.decode) {
    // Replicas of gpusNeeded GPUs each, as many as the instance holds; each decodes `batch` sequences
    // per step, a step taking the longer of its memory time and its compute time (roofline).
    const replicas = Math.floor(gpuCount / gpusNeeded);
    const memorySeconds = w.decode.bytesPerStep / (gpusNeeded * gpu.memoryBandwidthGbps * 1e9 * MBU);
    const computeSeconds = w.decode.flopsPerStep / (gpusNeeded * effectiveTflops(w, gpu) * 1e12 * MFU.decode);
    tokensPerSecond = (replicas * w.decode.batch) / Math.max(memorySeconds, computeSeconds);
    if (w.decode.tokens !== null) hours = w.decode.tokens / tokensPerSecond / 3600;
  } else if (w.compute) {
    // Every GPU of the instance trains (data parallel); time = FLOPs / (GPUs × peak × MFU).
    hours = w.compute.flops / (gpuCount * effectiveTflops(w, gpu) * 1e12 * w.compute.mfu) / 3600;
  }
  const gpusUsed = w.decode || w.compute ? gpuCount : Math.max(gpusNeeded, w.minGpuCount);
  return {
    gpusNeeded,
    memoryPerGpuGb,
    gpusUsed,
    hours,
    tokensPerSecond,
    fitsMemory: true,
    meetsThroughput: w.minTokensPerSecond === null || (tokensPerSecond !== null && tokensPerSecond >= w.minTokensPerSecond),
    meetsDeadline: w.deadlineHours === null || hours <= w.deadlineHours,
  };
}
