import { describe, expect, it } from 'vitest';
import {
  GPU_MODELS,
  canonicalGpuNames,
  getGpuModel,
  gpuKey,
  resolveGpuModel,
  statedMemoryGb,
} from '../../src/catalog/gpus';

const REQUIRED_MODELS = [
  'H100-80GB', 'H100-PCIE-80GB', 'H100-NVL-94GB', 'H200', 'B200', 'GH200', 'A100-80GB', 'A100-PCIE-80GB',
  'A100-40GB', 'L40S', 'L40', 'L4', 'A10', 'A10G', 'A40', 'A30', 'A16', 'A6000', 'RTX-6000-ADA', 'A5000', 'A4000',
  'RTX-4090', 'RTX-4080', 'RTX-3090', 'RTX-3080', 'RTX-5090', 'V100', 'V100-32GB', 'T4', 'P100', 'MI300X',
  'MI250X', 'MI250', 'GAUDI2',
];

// Names as providers publish them, and the model each must land on (no VRAM hint).
const PROVIDER_NAMES: ReadonlyArray<readonly [provider: string, raw: string, model: string]> = [
  // RunPod gpuTypes ids and display names.
  ['RunPod', 'NVIDIA H100 80GB HBM3', 'H100-80GB'],
  ['RunPod', 'NVIDIA H100 PCIe', 'H100-PCIE-80GB'],
  ['RunPod', 'NVIDIA H100 NVL', 'H100-NVL-94GB'],
  ['RunPod', 'NVIDIA H200', 'H200'],
  ['RunPod', 'NVIDIA B200', 'B200'],
  ['RunPod', 'NVIDIA A100-SXM4-80GB', 'A100-80GB'],
  ['RunPod', 'NVIDIA A100 80GB PCIe', 'A100-PCIE-80GB'],
  ['RunPod', 'NVIDIA A100-PCIE-40GB', 'A100-40GB'],
  ['RunPod', 'NVIDIA GeForce RTX 4090', 'RTX-4090'],
  ['RunPod', 'NVIDIA GeForce RTX 4080', 'RTX-4080'],
  ['RunPod', 'NVIDIA GeForce RTX 3090', 'RTX-3090'],
  ['RunPod', 'NVIDIA GeForce RTX 3080', 'RTX-3080'],
  ['RunPod', 'NVIDIA GeForce RTX 5090', 'RTX-5090'],
  ['RunPod', 'NVIDIA RTX A6000', 'A6000'],
  ['RunPod', 'NVIDIA RTX A5000', 'A5000'],
  ['RunPod', 'NVIDIA RTX A4000', 'A4000'],
  ['RunPod', 'NVIDIA RTX 6000 Ada Generation', 'RTX-6000-ADA'],
  ['RunPod', 'NVIDIA RTX PRO 6000 Blackwell Server Edition', 'RTX-PRO-6000'],
  ['RunPod', 'NVIDIA L40S', 'L40S'],
  ['RunPod', 'NVIDIA L40', 'L40'],
  ['RunPod', 'NVIDIA L4', 'L4'],
  ['RunPod', 'NVIDIA A40', 'A40'],
  ['RunPod', 'NVIDIA A30', 'A30'],
  ['RunPod', 'AMD Instinct MI300X OAM', 'MI300X'],
  ['RunPod', 'Tesla V100-PCIE-16GB', 'V100'],
  ['RunPod', 'Tesla V100-FHHL-16GB', 'V100'],
  ['RunPod', 'Tesla V100-SXM2-16GB', 'V100'],
  ['RunPod', 'Tesla V100-SXM2-32GB', 'V100-32GB'],
  ['RunPod', 'H100 SXM', 'H100-80GB'],
  ['RunPod', 'A100 SXM', 'A100-80GB'],
  ['RunPod', 'V100 SXM2 32GB', 'V100-32GB'],
  // Vast.ai gpu_name values.
  ['Vast.ai', 'H100 SXM', 'H100-80GB'],
  ['Vast.ai', 'H100 PCIE', 'H100-PCIE-80GB'],
  ['Vast.ai', 'H100 NVL', 'H100-NVL-94GB'],
  ['Vast.ai', 'H200', 'H200'],
  ['Vast.ai', 'H200 NVL', 'H200-NVL'],
  ['Vast.ai', 'GH200 SXM', 'GH200'],
  ['Vast.ai', 'B200', 'B200'],
  ['Vast.ai', 'A100 SXM4', 'A100-80GB'],
  ['Vast.ai', 'A100 PCIE', 'A100-PCIE-80GB'],
  ['Vast.ai', 'RTX 4090', 'RTX-4090'],
  ['Vast.ai', 'RTX_4090', 'RTX-4090'],
  ['Vast.ai', 'RTX 5090', 'RTX-5090'],
  ['Vast.ai', 'RTX A6000', 'A6000'],
  ['Vast.ai', 'RTX 6000Ada', 'RTX-6000-ADA'],
  ['Vast.ai', 'L40S', 'L40S'],
  ['Vast.ai', 'Tesla V100', 'V100'],
  ['Vast.ai', 'Tesla T4', 'T4'],
  ['Vast.ai', 'Tesla P100', 'P100'],
  ['Vast.ai', 'Q RTX 8000', 'QUADRO-RTX-8000'],
  ['Vast.ai', 'Q RTX 6000', 'QUADRO-RTX-6000'],
  // Lambda instance type names and GPU descriptions.
  ['Lambda', 'gpu_1x_h100_sxm5', 'H100-80GB'],
  ['Lambda', 'gpu_8x_h100_sxm5', 'H100-80GB'],
  ['Lambda', 'gpu_1x_h100_pcie', 'H100-PCIE-80GB'],
  ['Lambda', 'gpu_8x_a100_80gb_sxm4', 'A100-80GB'],
  ['Lambda', 'gpu_1x_a100', 'A100-40GB'],
  ['Lambda', 'gpu_1x_a10', 'A10'],
  ['Lambda', 'gpu_1x_gh200', 'GH200'],
  ['Lambda', 'gpu_1x_a6000', 'A6000'],
  ['Lambda', 'gpu_1x_rtx6000', 'QUADRO-RTX-6000'],
  ['Lambda', 'gpu_8x_v100', 'V100'],
  ['Lambda', 'gpu_8x_b200_sxm6', 'B200'],
  ['Lambda', 'H100 (80 GB SXM5)', 'H100-80GB'],
  ['Lambda', '8x H100 (80 GB SXM5)', 'H100-80GB'],
  ['Lambda', 'H100 (80 GB PCIe)', 'H100-PCIE-80GB'],
  ['Lambda', 'A100 (40 GB PCIe)', 'A100-40GB'],
  ['Lambda', 'A100 (40 GB SXM4)', 'A100-40GB'],
  ['Lambda', 'A100 (80 GB SXM4)', 'A100-80GB'],
  ['Lambda', 'A10 (24 GB PCIe)', 'A10'],
  ['Lambda', 'GH200 (96 GB)', 'GH200'],
  ['Lambda', 'B200 (180 GB SXM6)', 'B200'],
  ['Lambda', 'RTX 6000 (24 GB)', 'QUADRO-RTX-6000'],
  ['Lambda', 'Tesla V100 (16 GB)', 'V100'],
  // DataCrunch / Verda instance descriptions.
  ['DataCrunch', 'H100 SXM5 80GB', 'H100-80GB'],
  ['DataCrunch', 'A100 SXM4 80GB', 'A100-80GB'],
  ['DataCrunch', 'A100 SXM4 40GB', 'A100-40GB'],
  ['DataCrunch', 'RTX A6000 48GB', 'A6000'],
  ['DataCrunch', 'L40S 48GB', 'L40S'],
  ['DataCrunch', 'RTX 6000 Ada 48GB', 'RTX-6000-ADA'],
  ['DataCrunch', 'Tesla V100 16GB', 'V100'],
  ['DataCrunch', '1x NVidia Tesla V100 16GB', 'V100'],
  ['DataCrunch', '2x NVidia RTX A6000 48GB', 'A6000'],
  // TensorDock marketplace GPU ids.
  ['TensorDock', 'h100-sxm5-80gb', 'H100-80GB'],
  ['TensorDock', 'a100-pcie-80gb', 'A100-PCIE-80GB'],
  ['TensorDock', 'geforcertx4090-pcie-24gb', 'RTX-4090'],
  ['TensorDock', 'geforcertx3090-pcie-24gb', 'RTX-3090'],
  ['TensorDock', 'geforcertx3080-pcie-10gb', 'RTX-3080'],
  ['TensorDock', 'rtxa6000-pcie-48gb', 'A6000'],
  ['TensorDock', 'rtxa5000-pcie-24gb', 'A5000'],
  ['TensorDock', 'rtxa4000-pcie-16gb', 'A4000'],
  ['TensorDock', 'l40-pcie-48gb', 'L40'],
  ['TensorDock', 'v100-pcie-16gb', 'V100'],
  ['TensorDock', 'NVIDIA GeForce RTX 4090 PCIe 24GB', 'RTX-4090'],
  ['TensorDock', 'NVIDIA GeForce RTX 3090 PCIe 24GB', 'RTX-3090'],
  ['TensorDock', 'NVIDIA RTX A6000 PCIe 48GB', 'A6000'],
  ['TensorDock', 'A100 PCIe 80GB', 'A100-PCIE-80GB'],
  ['TensorDock', 'L40S PCIe 48GB', 'L40S'],
  // Shadeform gpu_type values.
  ['Shadeform', 'H100', 'H100-80GB'],
  ['Shadeform', 'A100_80G', 'A100-80GB'],
  ['Shadeform', 'A6000', 'A6000'],
  ['Shadeform', 'L40S', 'L40S'],
  ['Shadeform', 'H200', 'H200'],
  ['Shadeform', 'MI300X', 'MI300X'],
  ['Shadeform', 'GH200', 'GH200'],
  // SkyPilot catalog accelerator names.
  ['SkyPilot', 'H100', 'H100-80GB'],
  ['SkyPilot', 'H100-MEGA', 'H100-80GB'],
  ['SkyPilot', 'A100-80GB', 'A100-80GB'],
  ['SkyPilot', 'A100', 'A100-40GB'],
  ['SkyPilot', 'A10G', 'A10G'],
  ['SkyPilot', 'L4', 'L4'],
  ['SkyPilot', 'T4', 'T4'],
  ['SkyPilot', 'AMD-Instinct-MI300X-OAM', 'MI300X'],
  // Vendor spellings of the non-NVIDIA parts.
  ['Intel', 'Intel Gaudi 2', 'GAUDI2'],
  ['Intel', 'Habana Gaudi2', 'GAUDI2'],
  ['AMD', 'AMD Instinct MI250X', 'MI250X'],
  ['AMD', 'AMD Instinct MI250', 'MI250'],
];

describe('GPU registry contents', () => {
  it('holds at least 32 canonical models', () => {
    expect(GPU_MODELS.length).toBeGreaterThanOrEqual(32);
  });

  it('includes every model the marketplace promises by its exact canonical name', () => {
    const names = canonicalGpuNames();
    for (const name of REQUIRED_MODELS) expect(names, name).toContain(name);
  });

  it('gives every model positive memory, bandwidth and FP16 throughput and a non-negative BF16 figure', () => {
    for (const spec of GPU_MODELS) {
      expect(spec.vramGb, spec.name).toBeGreaterThan(0);
      expect(spec.memoryBandwidthGbps, spec.name).toBeGreaterThan(0);
      expect(spec.fp16Tflops, spec.name).toBeGreaterThan(0);
      expect(spec.bf16Tflops, spec.name).toBeGreaterThanOrEqual(0);
      expect(spec.architecture, spec.name).not.toBe('');
    }
  });

  it('spells canonical names in upper case with dashes and never twice', () => {
    const names = canonicalGpuNames();
    for (const name of names) expect(name).toMatch(/^[A-Z0-9]+(-[A-Z0-9]+)*$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it('reports dense throughput, not the doubled sparsity figure', () => {
    expect(getGpuModel('H100-80GB')?.fp16Tflops).toBe(989.5);
    expect(getGpuModel('A100-80GB')?.bf16Tflops).toBe(312);
    expect(getGpuModel('MI300X')?.fp16Tflops).toBe(1307.4);
  });

  it('reports zero BF16 for GPUs that have no BF16 support', () => {
    for (const name of ['V100', 'V100-32GB', 'T4', 'P100', 'QUADRO-RTX-8000', 'QUADRO-RTX-6000']) {
      expect(getGpuModel(name)?.bf16Tflops, name).toBe(0);
    }
  });

  it('finds a model by its exact canonical name only', () => {
    expect(getGpuModel('L40S')?.vramGb).toBe(48);
    expect(getGpuModel('l40s')).toBeUndefined();
  });

  it('gives each memory family exactly one default model', () => {
    const families = new Map<string, number>();
    for (const spec of GPU_MODELS) families.set(spec.family, (families.get(spec.family) ?? 0) + 1);
    for (const [family, size] of families) {
      const defaults = GPU_MODELS.filter((spec) => spec.family === family && spec.familyDefault).length;
      expect(defaults, family).toBe(size > 1 ? 1 : 0);
    }
  });

  it('never lets one alias key name two models', () => {
    const owner = new Map<string, string>();
    for (const spec of GPU_MODELS) {
      for (const alias of [spec.name, ...spec.aliases]) {
        const key = gpuKey(alias);
        expect(owner.get(key) ?? spec.name, `${alias} (${key})`).toBe(spec.name);
        owner.set(key, spec.name);
      }
    }
  });

  it('states, in any alias that carries a memory size, its own model’s memory', () => {
    for (const spec of GPU_MODELS) {
      for (const alias of spec.aliases) {
        const stated = statedMemoryGb(alias);
        if (stated !== undefined) expect(stated, `${alias} → ${spec.name}`).toBe(spec.vramGb);
      }
    }
  });

  it('resolves every registered alias and canonical name to its own model', () => {
    for (const spec of GPU_MODELS) {
      for (const alias of [spec.name, ...spec.aliases]) expect(resolveGpuModel(alias)?.name, alias).toBe(spec.name);
    }
  });
});

describe('resolving provider GPU names', () => {
  it.each(PROVIDER_NAMES)('maps %s name "%s" to %s', (_provider, raw, model) => {
    expect(resolveGpuModel(raw)?.name).toBe(model);
  });

  it('ignores case and separators', () => {
    expect(resolveGpuModel('  nvidia   h100--SXM5__80gb ')?.name).toBe('H100-80GB');
  });

  it('drops the word "PCIe" only from cards that come as PCIe cards alone', () => {
    expect(resolveGpuModel('RTX 4090 PCIe')?.name).toBe('RTX-4090');
    expect(resolveGpuModel('B200 PCIe')).toBeUndefined();
  });

  it.each([
    'NVIDIA Quantum Foo 9000',
    '',
    '   ',
    'NVIDIA',
    'RTX',
    'A100-ish accelerator',
    'RTX 2000 Ada',
    'Quantix QX9 32GB',
    '1x Imaginary X1 (64 GB)',
  ])(
    'returns undefined for the unknown name "%s"',
    (raw) => {
      expect(resolveGpuModel(raw)).toBeUndefined();
      expect(resolveGpuModel(raw, 80)).toBeUndefined();
    },
  );
});

describe('VRAM hints', () => {
  it.each([
    ['A100', undefined, 'A100-40GB'],
    ['A100', 40, 'A100-40GB'],
    ['A100', 80, 'A100-80GB'],
    ['A100', 79.6, 'A100-80GB'],
    ['A100', 81.5, 'A100-80GB'],
    ['A100 SXM4', 40, 'A100-40GB'],
    ['A100 PCIE', 40, 'A100-40GB'],
    ['A100 PCIE', 80, 'A100-PCIE-80GB'],
    ['H100', undefined, 'H100-80GB'],
    ['H100', 80, 'H100-80GB'],
    ['H100', 94, 'H100-NVL-94GB'],
    ['H100', 93.1, 'H100-NVL-94GB'],
    ['H100 PCIe', 79.6, 'H100-PCIE-80GB'],
    ['V100', 32, 'V100-32GB'],
    ['Tesla V100', 31.7, 'V100-32GB'],
    ['V100', 16, 'V100'],
    ['RTX 6000', 48, 'RTX-6000-ADA'],
  ] as const)('resolves "%s" with %s GB per GPU to %s', (raw, hint, model) => {
    expect(resolveGpuModel(raw, hint)?.name).toBe(model);
  });

  it('keeps the named model when the hint is near no model of its family', () => {
    expect(resolveGpuModel('RTX 4090', 48)?.name).toBe('RTX-4090');
    expect(resolveGpuModel('H100', 141)?.name).toBe('H100-80GB');
  });

  it('treats a zero, negative, null or non-finite hint as no hint', () => {
    for (const hint of [0, -80, null, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(resolveGpuModel('A100', hint)?.name, String(hint)).toBe('A100-40GB');
    }
  });

  it('lets a memory size written in the name win over a conflicting hint', () => {
    expect(resolveGpuModel('A100 80GB', 40)?.name).toBe('A100-80GB');
    expect(resolveGpuModel('NVIDIA A100-PCIE-40GB', 80)?.name).toBe('A100-40GB');
    expect(resolveGpuModel('Tesla V100-SXM2-16GB', 32)?.name).toBe('V100');
  });

  it('uses a memory size written in an otherwise unlisted name as the hint', () => {
    expect(resolveGpuModel('Tesla V100 32 GB HBM2')?.name).toBe('V100-32GB');
    expect(resolveGpuModel('NVIDIA A100 PCIe 40 GB', 80)?.name).toBe('A100-40GB');
  });
});

describe('gpuKey', () => {
  it.each([
    ['NVIDIA GeForce RTX 4090', 'rtx4090'],
    ['h100_sxm', 'h100sxm'],
    ['NVIDIA_H100_80G', 'h10080g'],
    ['gpu_8x_a100_80gb_sxm4', 'a10080gbsxm4'],
    ['8x H100 (80 GB SXM5)', 'h10080gbsxm5'],
    ['AMD Instinct MI300X OAM', 'mi300xoam'],
    ['Tesla V100-SXM2-16GB', 'v100sxm216gb'],
    ['Intel Gaudi 2', 'gaudi2'],
    ['MI250X', 'mi250x'],
    ['  ', ''],
  ])('folds "%s" to "%s"', (raw, key) => {
    expect(gpuKey(raw)).toBe(key);
  });
});

describe('statedMemoryGb', () => {
  it.each([
    ['NVIDIA A100 80GB PCIe', 80],
    ['A100_80G', 80],
    ['H100 (80 GB SXM5)', 80],
    ['geforcertx3080-pcie-10gb', 10],
    ['NVIDIA H100 NVL', undefined],
    ['gpu_8x_v100', undefined],
  ] as const)('reads "%s" as %s GB', (raw, gb) => {
    expect(statedMemoryGb(raw)).toBe(gb);
  });
});
