/**
 * The FID Inception-v3 as data: the TF graph of 2015-12-05 as ported to
 * PyTorch for FID (pt_inception-2015-12-05-6726825d.pth). The layers are
 * torchvision's Inception3 (Szegedy et al. 2016, arXiv:1512.00567) with
 * the port's three changes: the 3×3 average pools of the A, C and first
 * E blocks average only the in-image neighbours (TF 'SAME' pooling), the
 * last E block pools by maximum, and the classifier has 1008 outputs.
 * Names are the state_dict's; shapes are PyTorch's.
 */

/** One BasicConv2d: convolution without bias, BatchNorm (eval), ReLU. */
export interface ConvUnit {
  readonly kind: 'conv';
  /** state_dict prefix, e.g. 'Mixed_5b.branch1x1'. */
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  /** [kh, kw]. */
  readonly kernel: readonly [number, number];
  readonly stride: 1 | 2;
  /** 'valid': no padding; 'same': stride 1, padding (k − 1)/2 per side. */
  readonly padding: 'valid' | 'same';
}

/**
 * A 3×3 pool. 'same' pads by one and, for 'avg', divides by the number
 * of in-image neighbours (PyTorch's count_include_pad=False).
 */
export interface Pool {
  readonly kind: 'avg' | 'max';
  readonly stride: 1 | 2;
  readonly padding: 'valid' | 'same';
}

export type Op = ConvUnit | Pool;

/** Ops in sequence, optionally ending in two convs whose outputs concat. */
export interface Branch {
  readonly ops: readonly Op[];
  readonly fork?: readonly [ConvUnit, ConvUnit];
}

/** Parallel branches on one input, concatenated along channels. */
export interface Block {
  readonly name: string;
  readonly branches: readonly Branch[];
}

/** BatchNorm epsilon of the port (torchvision's BasicConv2d: 0.001). */
export const BN_EPSILON = 0.001;
export const INPUT_SIZE = 299;
export const POOL3_DIM = 2048;
export const LOGITS_DIM = 1008;

type Kernel = number | readonly [number, number];

function conv(
  name: string,
  inChannels: number,
  outChannels: number,
  kernel: Kernel,
  o: { stride?: 1 | 2; same?: boolean } = {},
): ConvUnit {
  const k: [number, number] =
    typeof kernel === 'number' ? [kernel, kernel] : [kernel[0], kernel[1]];
  const same = o.same ?? (k[0] > 1 || k[1] > 1);
  return {
    kind: 'conv',
    name,
    inChannels,
    outChannels,
    kernel: k,
    stride: o.stride ?? 1,
    padding: same && (o.stride ?? 1) === 1 ? 'same' : 'valid',
  };
}

const AVG_SAME: Pool = { kind: 'avg', stride: 1, padding: 'same' };
const MAX_SAME: Pool = { kind: 'max', stride: 1, padding: 'same' };
const MAX_DOWN: Pool = { kind: 'max', stride: 2, padding: 'valid' };

/** Unit maker for one block: names prefixed, 'same' unless told. */
function unitsOf(block: string) {
  return (
    branch: string,
    cin: number,
    cout: number,
    kernel: Kernel,
    o?: { stride?: 1 | 2; same?: boolean },
  ) => conv(`${block}.${branch}`, cin, cout, kernel, o);
}

function stem(): Block {
  const down = { stride: 2 as const };
  const ops: Op[] = [
    conv('Conv2d_1a_3x3', 3, 32, 3, down),
    conv('Conv2d_2a_3x3', 32, 32, 3, { same: false }),
    conv('Conv2d_2b_3x3', 32, 64, 3),
    MAX_DOWN,
    conv('Conv2d_3b_1x1', 64, 80, 1),
    conv('Conv2d_4a_3x3', 80, 192, 3, { same: false }),
    MAX_DOWN,
  ];
  return { name: 'stem', branches: [{ ops }] };
}

/** 35×35 block (torchvision InceptionA), pad-free average pool. */
function blockA(name: string, cin: number, poolFeatures: number): Block {
  const c = unitsOf(name);
  return {
    name,
    branches: [
      { ops: [c('branch1x1', cin, 64, 1)] },
      { ops: [c('branch5x5_1', cin, 48, 1), c('branch5x5_2', 48, 64, 5)] },
      {
        ops: [
          c('branch3x3dbl_1', cin, 64, 1),
          c('branch3x3dbl_2', 64, 96, 3),
          c('branch3x3dbl_3', 96, 96, 3),
        ],
      },
      { ops: [AVG_SAME, c('branch_pool', cin, poolFeatures, 1)] },
    ],
  };
}

/** 35 → 17 reduction (torchvision InceptionB). */
function blockB(name: string, cin: number): Block {
  const c = unitsOf(name);
  const down = { stride: 2 as const };
  return {
    name,
    branches: [
      { ops: [c('branch3x3', cin, 384, 3, down)] },
      {
        ops: [
          c('branch3x3dbl_1', cin, 64, 1),
          c('branch3x3dbl_2', 64, 96, 3),
          c('branch3x3dbl_3', 96, 96, 3, down),
        ],
      },
      { ops: [MAX_DOWN] },
    ],
  };
}

/** 17×17 block with factorised 7×7 (torchvision InceptionC). */
function blockC(name: string, c7: number): Block {
  const c = unitsOf(name);
  const row = [1, 7] as const;
  const col = [7, 1] as const;
  return {
    name,
    branches: [
      { ops: [c('branch1x1', 768, 192, 1)] },
      {
        ops: [
          c('branch7x7_1', 768, c7, 1),
          c('branch7x7_2', c7, c7, row),
          c('branch7x7_3', c7, 192, col),
        ],
      },
      {
        ops: [
          c('branch7x7dbl_1', 768, c7, 1),
          c('branch7x7dbl_2', c7, c7, col),
          c('branch7x7dbl_3', c7, c7, row),
          c('branch7x7dbl_4', c7, c7, col),
          c('branch7x7dbl_5', c7, 192, row),
        ],
      },
      { ops: [AVG_SAME, c('branch_pool', 768, 192, 1)] },
    ],
  };
}

/** 17 → 8 reduction (torchvision InceptionD). */
function blockD(name: string): Block {
  const c = unitsOf(name);
  const down = { stride: 2 as const };
  return {
    name,
    branches: [
      {
        ops: [
          c('branch3x3_1', 768, 192, 1),
          c('branch3x3_2', 192, 320, 3, down),
        ],
      },
      {
        ops: [
          c('branch7x7x3_1', 768, 192, 1),
          c('branch7x7x3_2', 192, 192, [1, 7]),
          c('branch7x7x3_3', 192, 192, [7, 1]),
          c('branch7x7x3_4', 192, 192, 3, down),
        ],
      },
      { ops: [MAX_DOWN] },
    ],
  };
}

/** 8×8 block with split 1×3/3×1 (torchvision InceptionE). */
function blockE(name: string, cin: number, pool: Pool): Block {
  const c = unitsOf(name);
  const split = (prefix: string): [ConvUnit, ConvUnit] => [
    c(`${prefix}a`, 384, 384, [1, 3]),
    c(`${prefix}b`, 384, 384, [3, 1]),
  ];
  return {
    name,
    branches: [
      { ops: [c('branch1x1', cin, 320, 1)] },
      { ops: [c('branch3x3_1', cin, 384, 1)], fork: split('branch3x3_2') },
      {
        ops: [
          c('branch3x3dbl_1', cin, 448, 1),
          c('branch3x3dbl_2', 448, 384, 3),
        ],
        fork: split('branch3x3dbl_3'),
      },
      { ops: [pool, c('branch_pool', cin, 192, 1)] },
    ],
  };
}

/** The blocks from the 299×299×3 input to the 8×8×2048 map. */
export function fidInceptionBlocks(): readonly Block[] {
  return [
    stem(),
    blockA('Mixed_5b', 192, 32),
    blockA('Mixed_5c', 256, 64),
    blockA('Mixed_5d', 288, 64),
    blockB('Mixed_6a', 288),
    blockC('Mixed_6b', 128),
    blockC('Mixed_6c', 160),
    blockC('Mixed_6d', 160),
    blockC('Mixed_6e', 192),
    blockD('Mixed_7a'),
    blockE('Mixed_7b', 1280, AVG_SAME),
    blockE('Mixed_7c', 2048, MAX_SAME),
  ];
}

/** Every conv unit of the blocks, in order. */
export function convUnits(blocks: readonly Block[]): ConvUnit[] {
  return blocks.flatMap((b) =>
    b.branches.flatMap((br) => [
      ...br.ops.filter((op): op is ConvUnit => op.kind === 'conv'),
      ...(br.fork ?? []),
    ]),
  );
}

/** Output channels of a block given its input channels. */
export function blockChannels(block: Block, inChannels: number): number {
  let total = 0;
  for (const { ops, fork } of block.branches) {
    let c = inChannels;
    for (const op of ops) if (op.kind === 'conv') c = op.outChannels;
    total += fork ? fork[0].outChannels + fork[1].outChannels : c;
  }
  return total;
}

/** One tensor the network needs, with its PyTorch shape. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The state_dict entries the network reads (num_batches_tracked aside). */
export function fidInceptionParams(blocks = fidInceptionBlocks()): ParamSpec[] {
  const params: ParamSpec[] = [];
  for (const u of convUnits(blocks)) {
    const [kh, kw] = u.kernel;
    const weight = [u.outChannels, u.inChannels, kh, kw];
    params.push({ name: `${u.name}.conv.weight`, shape: weight });
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) {
      params.push({ name: `${u.name}.bn.${p}`, shape: [u.outChannels] });
    }
  }
  params.push({ name: 'fc.weight', shape: [LOGITS_DIM, POOL3_DIM] });
  params.push({ name: 'fc.bias', shape: [LOGITS_DIM] });
  return params;
}
