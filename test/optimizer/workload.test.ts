import { describe, expect, it } from 'vitest';
import { getGpuModel, type GpuSpec } from '../../src/catalog/gpus';
import { RecommendationRequestSchema } from '../../src/optimizer/request';
import { interpret, modelShape, sizeOn, WorkloadError } from '../../src/optimizer/workload';

const gpu = (name: string): GpuSpec => getGpuModel(name)!;
const parse = (body: unknown) => RecommendationRequestSchema.parse(body);

describe('workload model: LLM inference', () => {
  it('puts a 70B bf16 model on 2 × 80 GB GPUs (140 GB of weights)', () => {
    const w = interpret(parse({ kind: 'llm_inference', modelParamsB: 70, precision: 'bf16' }));
    // Weights: 70e9 params × 2 bytes = 140 GB.
    expect(w.terms.weightsGb).toBe(140);
    // KV cache (Llama-3.1-70B shape: 80 layers, 8 KV heads × 128 dims), 4096 tokens, 1 sequence, 2 bytes:
    // 2 × 80 × 8 × 128 × 4096 × 1 × 2 = 1,342,177,280 bytes = 1.342 GB.
    expect(w.shape?.basis).toBe('Llama-3.1-70B');
    expect(w.terms.kvCacheGb).toBeCloseTo(1.342, 3);
    // (140 + 1.342) × 1.1 overhead = 155.476 GB, split across GPUs by tensor parallelism.
    expect(w.shardedGb).toBeCloseTo(155.476, 2);
    expect(w.perGpuGb).toBe(0);
    // 80 GB GPUs: ceil(155.476 / 80) = 2. H200 (141 GB): ceil(155.476 / 141) = 2. B200 (180 GB): 1.
    expect(sizeOn(w, gpu('H100-80GB'), 80, 8).gpusNeeded).toBe(2);
    expect(sizeOn(w, gpu('H200'), 141, 8).gpusNeeded).toBe(2);
    expect(sizeOn(w, gpu('B200'), 180, 1).gpusNeeded).toBe(1);
    // One 80 GB GPU cannot hold it.
    expect(sizeOn(w, gpu('H100-80GB'), 80, 1).fitsMemory).toBe(false);
    // No datasetTokens: a service of 1 hour on every offer.
    expect(w.fixedHours).toBe(1);
  });

  it('rounds tensor-parallel GPU counts up to a power of two', () => {
    // 70B fp32: 280 GB + 2.68 GB KV (4-byte cache) = 282.68 × 1.1 = 310.95 GB → ceil(310.95 / 80) = 4 on 80 GB GPUs;
    // on 48 GB GPUs ceil(310.95 / 48) = 7 → 8.
    const w = interpret(parse({ kind: 'llm_inference', modelParamsB: 70, precision: 'fp32' }));
    expect(w.shardedGb).toBeCloseTo(310.95, 1);
    expect(sizeOn(w, gpu('H100-80GB'), 80, 8).gpusNeeded).toBe(4);
    expect(sizeOn(w, gpu('L40S'), 48, 8).gpusNeeded).toBe(8);
  });

  it('estimates decode throughput from memory bandwidth, with replicas on a bigger instance', () => {
    const w = interpret(parse({ kind: 'llm_inference', modelParamsB: 70, precision: 'bf16', datasetTokens: 1e6 }));
    // A step reads 141.342 GB; 2 × H100 at 3,350 GB/s × 60% = 4,020 GB/s → 35.16 ms per step → 28.44 tokens/s.
    // (Compute: 2 × 70e9 FLOPs / (2 × 989.5 TFLOPS × 40%) = 0.18 ms, far below.)
    const two = sizeOn(w, gpu('H100-80GB'), 80, 2);
    expect(two.tokensPerSecond).toBeCloseTo(28.44, 1);
    // 1e6 tokens / 28.44 tokens/s = 35,160 s = 9.77 h.
    expect(two.hours).toBeCloseTo(9.767, 2);
    // 8 GPUs hold 4 replicas of 2: 4 × 28.44 = 113.8 tokens/s.
    expect(sizeOn(w, gpu('H100-80GB'), 80, 8).tokensPerSecond).toBeCloseTo(113.76, 1);
  });

  it('int4 weights take a quarter of bf16', () => {
    // 70e9 × 0.5 bytes = 35 GB; + 1.342 GB KV = 36.342 × 1.1 = 39.98 GB → one 48 GB GPU.
    const w = interpret(parse({ kind: 'llm_inference', modelParamsB: 70, precision: 'int4' }));
    expect(w.terms.weightsGb).toBe(35);
    expect(w.shardedGb).toBeCloseTo(39.976, 2);
    expect(sizeOn(w, gpu('L40S'), 48, 1).gpusNeeded).toBe(1);
  });
});

describe('workload model: training and fine-tuning', () => {
  it('full fine-tuning keeps 16 bytes per parameter and runs 6·N·D FLOPs', () => {
    const w = interpret(parse({ kind: 'llm_finetune', finetuneMethod: 'full', modelParamsB: 7, datasetTokens: 1e9 }));
    // Weights + gradients + Adam states: 7e9 × 16 bytes = 112 GB (ZeRO §3.1).
    expect(w.terms.trainingStatesGb).toBe(112);
    // Activations with checkpointing (Llama-3.1-8B shape: 32 layers, hidden 4096), 2048 tokens × 4 sequences, bf16:
    // (2 × 32 + 34) × 2048 × 4 × 4096 × 1 = 3,288,334,336 bytes = 3.288 GB per GPU.
    expect(w.shape?.basis).toBe('Llama-3.1-8B');
    expect(w.terms.activationsPerGpuGb).toBeCloseTo(3.288, 3);
    // 80 GB GPU: room = 80 − 3.288 × 1.1 = 76.383 GB; ceil(112 × 1.1 / 76.383) = ceil(1.613) = 2 GPUs.
    expect(sizeOn(w, gpu('H100-80GB'), 80, 8).gpusNeeded).toBe(2);
    // Compute: 6 × 7e9 × 1e9 = 4.2e19 FLOPs. 8 × H100 at 989.5 TFLOPS × 40% MFU = 3.1664e15 FLOP/s
    // → 13,264 s = 3.685 h. On 2 of them: 4 × as long.
    expect(w.compute?.flops).toBe(4.2e19);
    expect(sizeOn(w, gpu('H100-80GB'), 80, 8).hours).toBeCloseTo(3.6845, 3);
    expect(sizeOn(w, gpu('H100-80GB'), 80, 2).hours).toBeCloseTo(14.738, 2);
  });

  it('QLoRA puts a 70B model on one 80 GB GPU', () => {
    const w = interpret(parse({ kind: 'llm_finetune', finetuneMethod: 'qlora', modelParamsB: 70, hours: 10 }));
    expect(w.precision).toBe('int4');
    // NF4 base: 70e9 × 4.127 / 8 bytes = 36.111 GB.
    expect(w.terms.weightsGb).toBeCloseTo(36.111, 3);
    // Adapters: 80 layers × rank 16 × (19.5 × 8192 + 2 × 1024) = 207,093,760 params × 16 bytes = 3.314 GB.
    expect(w.terms.adapterGb).toBeCloseTo(3.314, 3);
    // Activations: (2 × 80 + 34) × 2048 × 4 × 8192 = 13.019 GB per GPU.
    expect(w.terms.activationsPerGpuGb).toBeCloseTo(13.019, 3);
    // (36.111 + 3.314) × 1.1 = 43.367 GB split + 14.321 GB per GPU = 57.69 GB on one GPU.
    expect(w.totalGb).toBeCloseTo(57.69, 1);
    expect(sizeOn(w, gpu('A100-80GB'), 80, 1).gpusNeeded).toBe(1);
    // Given hours and no datasetTokens: 10 hours on every offer.
    expect(w.fixedHours).toBe(10);
    expect(sizeOn(w, gpu('A100-80GB'), 80, 1).hours).toBe(10);
  });

  it('LoRA runs 4·N·D FLOPs (no weight gradients for the frozen base)', () => {
    const w = interpret(parse({ kind: 'llm_finetune', modelParamsB: 8, datasetTokens: 2e8, epochs: 3 }));
    expect(w.finetuneMethod).toBe('lora');
    // 4 × 8e9 × (2e8 × 3) = 1.92e19.
    expect(w.compute?.flops).toBeCloseTo(1.92e19, -15);
    expect(w.compute?.tokens).toBe(6e8);
  });

  it('uses TF32 (half the FP16 rate) for fp32 training on Ampere, and an eighth on Volta', () => {
    const w = interpret(parse({ kind: 'training', modelParamsB: 1, precision: 'fp32', datasetTokens: 1e9 }));
    const a100 = sizeOn(w, gpu('A100-80GB'), 80, 1).hours;
    const bf = interpret(parse({ kind: 'training', modelParamsB: 1, precision: 'bf16', datasetTokens: 1e9 }));
    expect(a100 / sizeOn(bf, gpu('A100-80GB'), 80, 1).hours).toBeCloseTo(2, 6);
    expect(modelShape(1).basis).toBe('Llama-3.2-1B');
  });

  it('refuses a workload no single instance can hold', () => {
    // 405e9 × 16 bytes = 6,480 GB of training state alone.
    expect(() => interpret(parse({ kind: 'training', modelParamsB: 405, datasetTokens: 1e9 }))).toThrow(WorkloadError);
  });
});

describe('workload model: raw needs', () => {
  it('splits the given memory across GPUs and keeps the given hours', () => {
    const w = interpret(parse({ gpuMemoryGb: 300, gpuCount: 2, hours: 5 }));
    expect(w.totalGb).toBe(300);
    expect(w.minGpuCount).toBe(2);
    // 300 GB on 80 GB GPUs: ceil(3.75) = 4 (no power-of-two rule for raw needs: 3 × 141 GB would do).
    expect(sizeOn(w, gpu('H100-80GB'), 80, 8).gpusNeeded).toBe(4);
    expect(sizeOn(w, gpu('H200'), 141, 8).gpusNeeded).toBe(3);
    expect(sizeOn(w, gpu('H100-80GB'), 80, 8).hours).toBe(5);
  });
});
