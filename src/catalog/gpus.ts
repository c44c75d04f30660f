// GPU model registry: canonical names, specs, and every alias providers use for them.
// Specs are vendor datasheet figures (dense, no sparsity); sources are noted per entry.

export type GpuVendor = 'NVIDIA' | 'AMD' | 'Intel';

export interface GpuSpec {
  /** Canonical name, e.g. `H100-80GB`. Used in offers, filters and URLs. */
  name: string;
  vendor: GpuVendor;
  architecture: string;
  vramGb: number;
  /** Memory bandwidth in GB/s. */
  memoryBandwidthGbps: number;
  /** Dense FP16 tensor TFLOPS (FP32 accumulate where the vendor distinguishes). */
  fp16Tflops: number;
  /** Dense BF16 tensor TFLOPS; 0 where the GPU has no BF16 support. */
  bf16Tflops: number;
  formFactor: 'SXM' | 'PCIe' | 'OAM' | 'superchip' | 'NVL';
  /** Family key shared by models that differ only in memory (A100-40GB / A100-80GB): lets a VRAM hint pick one. */
  family: string;
  /** The model a bare family name means when no VRAM hint is given. */
  familyDefault?: boolean;
  /** Names providers use for this model, matched case-insensitively after `gpuKey` folding. */
  aliases: readonly string[];
}

// A family groups models a provider may name identically apart from memory or form factor
// ("A100", "A100 SXM4", "H100", "V100", "RTX 6000"); only within a family may a VRAM hint move
// a name to another model. Everything else is a family of one.
//
// GeForce cards run FP16/BF16 tensor math with FP32 accumulate at half rate; their figures below
// are that half-rate number, as the field's doc asks. Workstation and data-center cards run it at
// full rate.
export const GPU_MODELS: readonly GpuSpec[] = [
  // ── NVIDIA Hopper ──────────────────────────────────────────────────────────────────────────
  // NVIDIA H100 Tensor Core GPU datasheet, H100 SXM column (1,979 TFLOPS FP16/BF16 is with sparsity).
  {
    name: 'H100-80GB', vendor: 'NVIDIA', architecture: 'Hopper', vramGb: 80, memoryBandwidthGbps: 3350,
    fp16Tflops: 989.5, bf16Tflops: 989.5, formFactor: 'SXM', family: 'H100', familyDefault: true,
    aliases: [
      'H100', 'H100 SXM', 'H100 SXM5', 'H100 80GB', 'H100 80G', 'H100 SXM 80GB', 'H100 SXM5 80GB', 'H100 80GB SXM5',
      'NVIDIA H100 80GB HBM3', 'H100 HBM3', 'H100-MEGA', 'H100 (80 GB SXM5)', 'gpu_8x_h100_sxm5',
    ],
  },
  // NVIDIA H100 Tensor Core GPU datasheet, H100 PCIe column.
  {
    name: 'H100-PCIE-80GB', vendor: 'NVIDIA', architecture: 'Hopper', vramGb: 80, memoryBandwidthGbps: 2000,
    fp16Tflops: 756.5, bf16Tflops: 756.5, formFactor: 'PCIe', family: 'H100',
    aliases: ['H100 PCIe', 'NVIDIA H100 PCIe', 'H100 PCIe 80GB', 'H100 80GB PCIe', 'H100 (80 GB PCIe)', 'gpu_1x_h100_pcie'],
  },
  // NVIDIA H100 Tensor Core GPU datasheet, H100 NVL column (per GPU of the NVLink pair).
  {
    name: 'H100-NVL-94GB', vendor: 'NVIDIA', architecture: 'Hopper', vramGb: 94, memoryBandwidthGbps: 3900,
    fp16Tflops: 835.5, bf16Tflops: 835.5, formFactor: 'NVL', family: 'H100',
    aliases: ['H100 NVL', 'NVIDIA H100 NVL', 'H100 NVL 94GB', 'H100 94GB'],
  },
  // NVIDIA H200 Tensor Core GPU datasheet, H200 SXM column.
  {
    name: 'H200', vendor: 'NVIDIA', architecture: 'Hopper', vramGb: 141, memoryBandwidthGbps: 4800,
    fp16Tflops: 989.5, bf16Tflops: 989.5, formFactor: 'SXM', family: 'H200',
    aliases: ['H200 SXM', 'H200 SXM5', 'H200 141GB', 'H200 SXM 141GB', 'NVIDIA H200', 'gpu_8x_h200_sxm5'],
  },
  // NVIDIA H200 Tensor Core GPU datasheet, H200 NVL column.
  {
    name: 'H200-NVL', vendor: 'NVIDIA', architecture: 'Hopper', vramGb: 141, memoryBandwidthGbps: 4800,
    fp16Tflops: 835.5, bf16Tflops: 835.5, formFactor: 'NVL', family: 'H200-NVL',
    aliases: ['H200 NVL', 'H200 NVL 141GB'],
  },
  // NVIDIA GH200 Grace Hopper Superchip datasheet, 96 GB HBM3 configuration (the one Lambda rents).
  {
    name: 'GH200', vendor: 'NVIDIA', architecture: 'Hopper', vramGb: 96, memoryBandwidthGbps: 4000,
    fp16Tflops: 989.5, bf16Tflops: 989.5, formFactor: 'superchip', family: 'GH200',
    aliases: ['GH200 SXM', 'GH200 96GB', 'Grace Hopper', 'GH200 Grace Hopper Superchip', 'gpu_1x_gh200'],
  },

  // ── NVIDIA Blackwell ───────────────────────────────────────────────────────────────────────
  // NVIDIA HGX B200 datasheet, per-GPU figures (4.5 PFLOPS FP16/BF16 is with sparsity).
  {
    name: 'B200', vendor: 'NVIDIA', architecture: 'Blackwell', vramGb: 180, memoryBandwidthGbps: 7700,
    fp16Tflops: 2250, bf16Tflops: 2250, formFactor: 'SXM', family: 'B200',
    aliases: ['NVIDIA B200', 'B200 SXM', 'B200 SXM6', 'B200 180GB', 'HGX B200', 'gpu_8x_b200_sxm6'],
  },
  // NVIDIA RTX PRO 6000 Blackwell datasheet / RTX Blackwell whitepaper (Workstation Edition bandwidth;
  // the Server Edition is 1,597 GB/s).
  {
    name: 'RTX-PRO-6000', vendor: 'NVIDIA', architecture: 'Blackwell', vramGb: 96, memoryBandwidthGbps: 1792,
    fp16Tflops: 503.8, bf16Tflops: 503.8, formFactor: 'PCIe', family: 'RTX-PRO-6000',
    aliases: [
      'RTX PRO 6000', 'RTX PRO 6000 96GB', 'RTX PRO 6000 Blackwell', 'RTX 6000 Blackwell',
      'NVIDIA RTX PRO 6000 Blackwell Server Edition', 'NVIDIA RTX PRO 6000 Blackwell Workstation Edition',
      'NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition',
    ],
  },
  // NVIDIA RTX Blackwell GPU architecture whitepaper, GeForce RTX 5090 column.
  {
    name: 'RTX-5090', vendor: 'NVIDIA', architecture: 'Blackwell', vramGb: 32, memoryBandwidthGbps: 1792,
    fp16Tflops: 209.5, bf16Tflops: 209.5, formFactor: 'PCIe', family: 'RTX-5090',
    aliases: ['RTX 5090', 'RTX 5090 32GB', 'geforcertx5090-pcie-32gb'],
  },

  // ── NVIDIA Ampere, data center ─────────────────────────────────────────────────────────────
  // NVIDIA A100 Tensor Core GPU datasheet, A100 80GB SXM column.
  {
    name: 'A100-80GB', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 80, memoryBandwidthGbps: 2039,
    fp16Tflops: 312, bf16Tflops: 312, formFactor: 'SXM', family: 'A100',
    aliases: [
      'A100 SXM', 'A100 SXM4', 'A100 80G', 'A100 SXM 80GB', 'A100 SXM4 80GB', 'NVIDIA A100-SXM4-80GB',
      'A100 (80 GB SXM4)', 'gpu_8x_a100_80gb_sxm4',
    ],
  },
  // NVIDIA A100 Tensor Core GPU datasheet, A100 80GB PCIe column. Kept apart from the SXM part:
  // lower bandwidth and TDP, no NVSwitch fabric, and providers price the two as separate products.
  {
    name: 'A100-PCIE-80GB', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 80, memoryBandwidthGbps: 1935,
    fp16Tflops: 312, bf16Tflops: 312, formFactor: 'PCIe', family: 'A100',
    aliases: ['A100 PCIe', 'NVIDIA A100 80GB PCIe', 'A100 PCIe 80GB', 'A100 (80 GB PCIe)'],
  },
  // NVIDIA A100 Tensor Core GPU datasheet, A100 40GB columns. SXM4 and PCIe 40GB share every figure
  // here, so they are one model.
  {
    name: 'A100-40GB', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 40, memoryBandwidthGbps: 1555,
    fp16Tflops: 312, bf16Tflops: 312, formFactor: 'SXM', family: 'A100', familyDefault: true,
    aliases: [
      'A100', 'A100 40G', 'NVIDIA A100-PCIE-40GB', 'A100 PCIe 40GB', 'NVIDIA A100-SXM4-40GB', 'A100 SXM4 40GB',
      'A100 (40 GB PCIe)', 'A100 (40 GB SXM4)',
    ],
  },
  // NVIDIA A40 datasheet.
  {
    name: 'A40', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 48, memoryBandwidthGbps: 696,
    fp16Tflops: 149.7, bf16Tflops: 149.7, formFactor: 'PCIe', family: 'A40',
    aliases: ['NVIDIA A40', 'A40 48GB', 'a40-pcie-48gb'],
  },
  // NVIDIA A30 Tensor Core GPU datasheet.
  {
    name: 'A30', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 24, memoryBandwidthGbps: 933,
    fp16Tflops: 165, bf16Tflops: 165, formFactor: 'PCIe', family: 'A30',
    aliases: ['NVIDIA A30', 'A30 24GB'],
  },
  // NVIDIA A10 Tensor Core GPU datasheet.
  {
    name: 'A10', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 24, memoryBandwidthGbps: 600,
    fp16Tflops: 125, bf16Tflops: 125, formFactor: 'PCIe', family: 'A10',
    aliases: ['NVIDIA A10', 'A10 24GB', 'A10 PCIe', 'A10 (24 GB PCIe)', 'a10-pcie-24gb'],
  },
  // AWS EC2 G5 documentation (NVIDIA publishes no A10G datasheet): same memory as the A10, 80 SMs with
  // half-rate FP32-accumulate tensor math, 70 TFLOPS dense FP16/BF16.
  {
    name: 'A10G', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 24, memoryBandwidthGbps: 600,
    fp16Tflops: 70, bf16Tflops: 70, formFactor: 'PCIe', family: 'A10G',
    aliases: ['NVIDIA A10G', 'A10G 24GB'],
  },
  // NVIDIA A16 datasheet; the board carries four GPUs, figures are per GPU (4x 16 GB, 4x 200 GB/s).
  {
    name: 'A16', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 16, memoryBandwidthGbps: 200,
    fp16Tflops: 17.9, bf16Tflops: 17.9, formFactor: 'PCIe', family: 'A16',
    aliases: ['NVIDIA A16', 'A16 16GB'],
  },

  // ── NVIDIA Ampere, workstation and GeForce ─────────────────────────────────────────────────
  // NVIDIA RTX A6000 datasheet (309.7 TFLOPS tensor is with sparsity).
  {
    name: 'A6000', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 48, memoryBandwidthGbps: 768,
    fp16Tflops: 154.8, bf16Tflops: 154.8, formFactor: 'PCIe', family: 'A6000',
    aliases: ['RTX A6000', 'NVIDIA RTX A6000', 'A6000 48GB', 'RTX A6000 48GB', 'rtxa6000-pcie-48gb', 'gpu_1x_a6000'],
  },
  // NVIDIA RTX A5000 datasheet (222.2 TFLOPS tensor is with sparsity).
  {
    name: 'A5000', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 24, memoryBandwidthGbps: 768,
    fp16Tflops: 111.1, bf16Tflops: 111.1, formFactor: 'PCIe', family: 'A5000',
    aliases: ['RTX A5000', 'NVIDIA RTX A5000', 'RTX A5000 24GB', 'rtxa5000-pcie-24gb'],
  },
  // NVIDIA RTX A4000 datasheet (153.4 TFLOPS tensor is with sparsity).
  {
    name: 'A4000', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 16, memoryBandwidthGbps: 448,
    fp16Tflops: 76.7, bf16Tflops: 76.7, formFactor: 'PCIe', family: 'A4000',
    aliases: ['RTX A4000', 'NVIDIA RTX A4000', 'RTX A4000 16GB', 'rtxa4000-pcie-16gb'],
  },
  // NVIDIA Ampere GA102 GPU architecture whitepaper, GeForce RTX 3090 column.
  {
    name: 'RTX-3090', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 24, memoryBandwidthGbps: 936,
    fp16Tflops: 71, bf16Tflops: 71, formFactor: 'PCIe', family: 'RTX-3090',
    aliases: ['RTX 3090', 'RTX 3090 24GB', 'geforcertx3090-pcie-24gb'],
  },
  // NVIDIA Ampere GA102 GPU architecture whitepaper, GeForce RTX 3080 (10 GB) column.
  {
    name: 'RTX-3080', vendor: 'NVIDIA', architecture: 'Ampere', vramGb: 10, memoryBandwidthGbps: 760,
    fp16Tflops: 59.5, bf16Tflops: 59.5, formFactor: 'PCIe', family: 'RTX-3080',
    aliases: ['RTX 3080', 'RTX 3080 10GB', 'geforcertx3080-pcie-10gb'],
  },

  // ── NVIDIA Ada Lovelace ────────────────────────────────────────────────────────────────────
  // NVIDIA L40S datasheet (733 TFLOPS FP16 is with sparsity).
  {
    name: 'L40S', vendor: 'NVIDIA', architecture: 'Ada Lovelace', vramGb: 48, memoryBandwidthGbps: 864,
    fp16Tflops: 362.05, bf16Tflops: 362.05, formFactor: 'PCIe', family: 'L40S',
    aliases: ['NVIDIA L40S', 'L40S 48GB', 'L40S PCIe', 'l40s-pcie-48gb'],
  },
  // NVIDIA L40 datasheet (FP16/BF16 with FP32 accumulate).
  {
    name: 'L40', vendor: 'NVIDIA', architecture: 'Ada Lovelace', vramGb: 48, memoryBandwidthGbps: 864,
    fp16Tflops: 181.05, bf16Tflops: 181.05, formFactor: 'PCIe', family: 'L40',
    aliases: ['NVIDIA L40', 'L40 48GB', 'L40 PCIe', 'l40-pcie-48gb'],
  },
  // NVIDIA L4 Tensor Core GPU datasheet (242 TFLOPS FP16 is with sparsity).
  {
    name: 'L4', vendor: 'NVIDIA', architecture: 'Ada Lovelace', vramGb: 24, memoryBandwidthGbps: 300,
    fp16Tflops: 121, bf16Tflops: 121, formFactor: 'PCIe', family: 'L4',
    aliases: ['NVIDIA L4', 'L4 24GB', 'L4 PCIe'],
  },
  // NVIDIA RTX 6000 Ada Generation datasheet / Ada Lovelace architecture whitepaper.
  {
    name: 'RTX-6000-ADA', vendor: 'NVIDIA', architecture: 'Ada Lovelace', vramGb: 48, memoryBandwidthGbps: 960,
    fp16Tflops: 364.2, bf16Tflops: 364.2, formFactor: 'PCIe', family: 'RTX-6000',
    aliases: [
      'RTX 6000 Ada', 'RTX 6000Ada', 'NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada 48GB', 'RTX A6000 Ada',
      'rtx6000ada-pcie-48gb',
    ],
  },
  // NVIDIA Ada Lovelace GPU architecture whitepaper, GeForce RTX 4090 column.
  {
    name: 'RTX-4090', vendor: 'NVIDIA', architecture: 'Ada Lovelace', vramGb: 24, memoryBandwidthGbps: 1008,
    fp16Tflops: 165.2, bf16Tflops: 165.2, formFactor: 'PCIe', family: 'RTX-4090',
    aliases: ['RTX 4090', 'NVIDIA GeForce RTX 4090', 'RTX 4090 24GB', 'geforcertx4090-pcie-24gb'],
  },
  // NVIDIA Ada Lovelace GPU architecture whitepaper, GeForce RTX 4080 column.
  {
    name: 'RTX-4080', vendor: 'NVIDIA', architecture: 'Ada Lovelace', vramGb: 16, memoryBandwidthGbps: 716.8,
    fp16Tflops: 97.5, bf16Tflops: 97.5, formFactor: 'PCIe', family: 'RTX-4080',
    aliases: ['RTX 4080', 'RTX 4080 16GB', 'geforcertx4080-pcie-16gb'],
  },

  // ── NVIDIA Turing, Volta, Pascal ───────────────────────────────────────────────────────────
  // NVIDIA Quadro RTX 8000 datasheet (Turing: no BF16).
  {
    name: 'QUADRO-RTX-8000', vendor: 'NVIDIA', architecture: 'Turing', vramGb: 48, memoryBandwidthGbps: 672,
    fp16Tflops: 130.5, bf16Tflops: 0, formFactor: 'PCIe', family: 'QUADRO-RTX-8000',
    aliases: ['Quadro RTX 8000', 'Q RTX 8000', 'RTX 8000', 'Quadro RTX 8000 48GB'],
  },
  // NVIDIA Quadro RTX 6000 datasheet (Turing: no BF16). Lambda's "gpu_1x_rtx6000" / "RTX 6000 (24 GB)" is this card.
  {
    name: 'QUADRO-RTX-6000', vendor: 'NVIDIA', architecture: 'Turing', vramGb: 24, memoryBandwidthGbps: 672,
    fp16Tflops: 130.5, bf16Tflops: 0, formFactor: 'PCIe', family: 'RTX-6000', familyDefault: true,
    aliases: ['Quadro RTX 6000', 'Q RTX 6000', 'RTX 6000', 'RTX 6000 24GB', 'Quadro RTX 6000 24GB', 'gpu_1x_rtx6000'],
  },
  // NVIDIA T4 Tensor Core GPU datasheet (mixed-precision FP16/FP32; Turing: no BF16).
  {
    name: 'T4', vendor: 'NVIDIA', architecture: 'Turing', vramGb: 16, memoryBandwidthGbps: 320,
    fp16Tflops: 65, bf16Tflops: 0, formFactor: 'PCIe', family: 'T4',
    aliases: ['Tesla T4', 'NVIDIA T4', 'T4 16GB'],
  },
  // NVIDIA Tesla V100 datasheet, SXM2 16 GB column (the PCIe card is 112 TFLOPS; Volta: no BF16).
  {
    name: 'V100', vendor: 'NVIDIA', architecture: 'Volta', vramGb: 16, memoryBandwidthGbps: 900,
    fp16Tflops: 125, bf16Tflops: 0, formFactor: 'SXM', family: 'V100', familyDefault: true,
    aliases: [
      'Tesla V100', 'V100 16GB', 'V100 SXM2', 'V100 SXM2 16GB', 'V100 PCIe', 'V100 FHHL', 'Tesla V100-SXM2-16GB',
      'Tesla V100-PCIE-16GB', 'Tesla V100-FHHL-16GB', 'gpu_8x_v100',
    ],
  },
  // NVIDIA Tesla V100 datasheet, SXM2 32 GB column.
  {
    name: 'V100-32GB', vendor: 'NVIDIA', architecture: 'Volta', vramGb: 32, memoryBandwidthGbps: 900,
    fp16Tflops: 125, bf16Tflops: 0, formFactor: 'SXM', family: 'V100',
    aliases: ['V100 32GB', 'V100 SXM2 32GB', 'Tesla V100-SXM2-32GB', 'Tesla V100-PCIE-32GB', 'Tesla V100-SXM3-32GB'],
  },
  // NVIDIA Tesla P100 datasheet, PCIe 16 GB column (no tensor cores: packed FP16 peak; no BF16).
  {
    name: 'P100', vendor: 'NVIDIA', architecture: 'Pascal', vramGb: 16, memoryBandwidthGbps: 732,
    fp16Tflops: 18.7, bf16Tflops: 0, formFactor: 'PCIe', family: 'P100',
    aliases: ['Tesla P100', 'P100 16GB', 'P100 PCIe', 'Tesla P100-PCIE-16GB'],
  },

  // ── AMD Instinct ───────────────────────────────────────────────────────────────────────────
  // AMD Instinct MI300X data sheet (2,614.9 TFLOPS FP16 is with sparsity).
  {
    name: 'MI300X', vendor: 'AMD', architecture: 'CDNA 3', vramGb: 192, memoryBandwidthGbps: 5300,
    fp16Tflops: 1307.4, bf16Tflops: 1307.4, formFactor: 'OAM', family: 'MI300X',
    aliases: ['AMD Instinct MI300X OAM', 'MI300X OAM', 'MI300X 192GB'],
  },
  // AMD Instinct MI325X data sheet.
  {
    name: 'MI325X', vendor: 'AMD', architecture: 'CDNA 3', vramGb: 256, memoryBandwidthGbps: 6000,
    fp16Tflops: 1307.4, bf16Tflops: 1307.4, formFactor: 'OAM', family: 'MI325X',
    aliases: ['AMD Instinct MI325X OAM', 'MI325X OAM', 'MI325X 256GB'],
  },
  // AMD Instinct MI250X data sheet.
  {
    name: 'MI250X', vendor: 'AMD', architecture: 'CDNA 2', vramGb: 128, memoryBandwidthGbps: 3276.8,
    fp16Tflops: 383, bf16Tflops: 383, formFactor: 'OAM', family: 'MI250X',
    aliases: ['AMD Instinct MI250X', 'MI250X OAM', 'MI250X 128GB'],
  },
  // AMD Instinct MI250 data sheet.
  {
    name: 'MI250', vendor: 'AMD', architecture: 'CDNA 2', vramGb: 128, memoryBandwidthGbps: 3276.8,
    fp16Tflops: 362.1, bf16Tflops: 362.1, formFactor: 'OAM', family: 'MI250',
    aliases: ['AMD Instinct MI250', 'MI250 OAM', 'MI250 128GB', 'AMD-Instinct-MI250X-MI250'],
  },

  // ── Intel Gaudi ────────────────────────────────────────────────────────────────────────────
  // Intel Gaudi 2 AI accelerator white paper (MME BF16/FP16 peak).
  {
    name: 'GAUDI2', vendor: 'Intel', architecture: 'Gaudi 2', vramGb: 96, memoryBandwidthGbps: 2450,
    fp16Tflops: 432, bf16Tflops: 432, formFactor: 'OAM', family: 'GAUDI2',
    aliases: ['Gaudi 2', 'Intel Gaudi 2', 'Habana Gaudi2', 'Gaudi2 96GB', 'HL-225H'],
  },
  // Intel Gaudi 3 AI accelerator white paper (MME BF16/FP16 peak).
  {
    name: 'GAUDI3', vendor: 'Intel', architecture: 'Gaudi 3', vramGb: 128, memoryBandwidthGbps: 3700,
    fp16Tflops: 1835, bf16Tflops: 1835, formFactor: 'OAM', family: 'GAUDI3',
    aliases: ['Gaudi 3', 'Intel Gaudi 3', 'Habana Gaudi3', 'Gaudi3 128GB', 'HL-325L'],
  },
];

/**
 * Folds a provider's GPU name to a lookup key: lower case, vendor and marketing words and instance
 * multipliers ("8x") dropped, separators removed. "NVIDIA GeForce RTX 4090" → "rtx4090",
 * "h100_sxm" → "h100sxm", "gpu_8x_a100_80gb_sxm4" → "a10080gbsxm4".
 */
export function gpuKey(raw: string): string {
  return (
    raw
      .toLowerCase()
      // Separators first, so "NVIDIA_H100" and "gpu_1x_a10" split into words like "NVIDIA H100".
      .replace(/[^a-z0-9]+/g, ' ')
      .replace(/\b(nvidia|geforce|tesla|amd|radeon|instinct|intel|gpu|graphics)\b/g, ' ')
      .replace(/\b\d{1,2}x\b/g, ' ')
      .replace(/ /g, '')
  );
}

const MEMORY_TOKEN = /(?:^|\s)(\d{1,3})\s?(?:gib|gb|g)(?=\s|$)/g;
const MEMORY_TYPE_TOKEN = /\b(?:hbm\d?e?|gddr\d+x?)\b/g;

function words(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
}

/** The per-GPU memory a name states ("A100 80GB PCIe" → 80, "A100_80G" → 80), or undefined. */
export function statedMemoryGb(raw: string): number | undefined {
  for (const match of words(raw).matchAll(MEMORY_TOKEN)) {
    const gb = Number(match[1]);
    // Below 4 it is a count or a MIG slice ("1g"), not a card's memory.
    if (gb >= 4) return gb;
  }
  return undefined;
}

const byName = new Map<string, GpuSpec>();
const byKey = new Map<string, GpuSpec>();
const byFamily = new Map<string, GpuSpec[]>();

function index(): void {
  for (const spec of GPU_MODELS) {
    if (byName.has(spec.name)) throw new Error(`duplicate GPU model ${spec.name}`);
    byName.set(spec.name, spec);
    for (const alias of [spec.name, ...spec.aliases]) {
      const key = gpuKey(alias);
      const existing = byKey.get(key);
      if (existing && existing !== spec) throw new Error(`alias "${alias}" maps to both ${existing.name} and ${spec.name}`);
      byKey.set(key, spec);
    }
    const family = byFamily.get(spec.family) ?? [];
    family.push(spec);
    byFamily.set(spec.family, family);
  }
}
index();

/** The spec for a canonical name, or undefined. */
export function getGpuModel(name: string): GpuSpec | undefined {
  return byName.get(name);
}

/**
 * Moves `named` to the model of its family whose memory is closest to `vramGb`, when one is close
 * enough (providers report a little under the marketing figure: 79.6 or 81.5 for 80). Ties keep
 * the named model, else its form factor, else the family default: bare "A100" at 80 is the SXM part.
 */
function pickByMemory(named: GpuSpec, vramGb: number | null | undefined): GpuSpec {
  if (typeof vramGb !== 'number' || !Number.isFinite(vramGb) || vramGb <= 0) return named;
  const family = byFamily.get(named.family) ?? [named];
  const distance = (spec: GpuSpec): number => Math.abs(spec.vramGb - vramGb);
  const nearest = Math.min(...family.map(distance));
  const closest = family.filter((spec) => distance(spec) === nearest);
  const first = closest[0];
  if (!first || nearest > Math.max(4, first.vramGb * 0.1)) return named;
  if (closest.includes(named)) return named;
  return (
    closest.find((spec) => spec.formFactor === named.formFactor) ?? closest.find((spec) => spec.familyDefault) ?? first
  );
}

/**
 * The model a name means once its memory size, memory type and, for cards that only come as PCIe
 * cards, the word "PCIe" are dropped: "NVIDIA GeForce RTX 3090 PCIe 24GB" → RTX-3090.
 */
function resolveBareName(raw: string): GpuSpec | undefined {
  const bare = words(raw).replace(MEMORY_TOKEN, ' ').replace(MEMORY_TYPE_TOKEN, ' ');
  const named = byKey.get(gpuKey(bare));
  if (named) return named;
  const withoutBus = byKey.get(gpuKey(bare.replace(/\bpcie\b/g, ' ')));
  return withoutBus?.formFactor === 'PCIe' ? withoutBus : undefined;
}

/**
 * Maps a provider's GPU name to a canonical model. `vramGbHint` (per GPU) picks between models of
 * one family that differ only in memory, e.g. "A100" with 80 → A100-80GB.
 *
 * A memory size written in the name wins over the hint: the name is the product the provider
 * sells, while the hint is a number an adapter derived (MiB to GB, totals split across GPUs) and
 * is the likelier one to be wrong. So "A100 80GB" with a hint of 40 stays A100-80GB, and a stated
 * size the aliases do not spell out ("Tesla V100 32 GB HBM2") is itself used as the hint.
 */
export function resolveGpuModel(raw: string, vramGbHint?: number | null): GpuSpec | undefined {
  const key = gpuKey(raw);
  if (!key) return undefined;
  const stated = statedMemoryGb(raw);
  const direct = byKey.get(key);
  if (direct) return stated === undefined ? pickByMemory(direct, vramGbHint) : direct;
  const bare = resolveBareName(raw);
  return bare && pickByMemory(bare, stated ?? vramGbHint);
}

/** All canonical names, in registry order. */
export function canonicalGpuNames(): string[] {
  return GPU_MODELS.map((spec) => spec.name);
}
