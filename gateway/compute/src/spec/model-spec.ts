import { z } from 'zod';

/**
 * The declarative model spec: the only description of a model that crosses between the cloud and
 * a hospital. A site never runs code it was sent; it compiles this spec into ONNX graphs itself,
 * and the data officer approves the spec's SHA-256 (see `hashModelSpec`).
 *
 * Columns are always referred to by name, never by position, so two sites whose files order their
 * columns differently still build the same feature layout.
 */

/** Model families, in the order the product needs them. */
export const MODEL_FAMILIES = [
  'kaplan_meier',
  'cox_ph',
  'logistic_regression',
  'mlp_classifier',
  'cnn_classifier',
  'onnx_model',
] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** A column name as it appears in a dataset's schema. */
const columnNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'use letters, digits, "_" and "." and start with a letter or "_"');

/**
 * One feature taken from one dataset column.
 * - `numeric`: the column's value, optionally centred and scaled (`(x - center) / scale`), which
 *   is how a pooled standardisation computed by an earlier statistics job is pinned in the spec.
 * - `categorical`: treatment contrasts, one 0/1 indicator per level other than `reference`, named
 *   `<column>_<level>` as R's `model.matrix` with `contr.treatment` names them.
 */
export const featureSchema = z.discriminatedUnion('encoding', [
  z
    .object({
      column: columnNameSchema,
      encoding: z.literal('numeric'),
      center: z.number().finite().optional(),
      scale: z.number().finite().positive().optional(),
    })
    .strict(),
  z
    .object({
      column: columnNameSchema,
      encoding: z.literal('categorical'),
      levels: z.array(z.string().min(1).max(128)).min(2).max(64),
      reference: z.string().min(1).max(128),
    })
    .strict()
    .refine((feature) => feature.levels.includes(feature.reference), {
      message: 'reference must be one of levels',
      path: ['reference'],
    }),
]);
export type Feature = z.infer<typeof featureSchema>;

/** Time-to-event outcome: follow-up time (any positive unit) and a 0/1 event indicator. */
export const survivalOutcomeSchema = z
  .object({
    kind: z.literal('survival'),
    time: columnNameSchema,
    event: columnNameSchema,
  })
  .strict();

/** Binary outcome: the column and the value that counts as the positive class (y = 1). */
export const binaryOutcomeSchema = z
  .object({
    kind: z.literal('binary'),
    column: columnNameSchema,
    positive: z.union([z.string().min(1).max(128), z.number().finite()]),
  })
  .strict();

/**
 * Multi-class outcome: the column and its classes. The order of `levels` is the order of the
 * model's outputs, so output k is the probability of `levels[k]`. Values are compared as text, so
 * `3` matches an integer column and `"III"` a text one.
 */
export const multiclassOutcomeSchema = z
  .object({
    kind: z.literal('multiclass'),
    column: columnNameSchema,
    levels: z
      .array(z.union([z.string().min(1).max(128), z.number().finite()]))
      .min(2, 'list at least 2 classes; for a single class of interest use a binary outcome with "positive"')
      .max(64, 'list at most 64 classes; group rare classes together in the data first'),
  })
  .strict()
  .superRefine((outcome, context) => {
    const seen = new Set<string>();
    outcome.levels.forEach((level, index) => {
      const text = String(level);
      if (seen.has(text)) {
        context.addIssue({ code: 'custom', path: ['levels', index], message: `level "${text}" appears twice; list each class once` });
      }
      seen.add(text);
    });
  });

/** Outcome of a classifier: one positive class, or several classes for a softmax output. */
export const classOutcomeSchema = z.discriminatedUnion('kind', [binaryOutcomeSchema, multiclassOutcomeSchema]);
export type ClassOutcome = z.infer<typeof classOutcomeSchema>;

export const outcomeSchema = z.discriminatedUnion('kind', [survivalOutcomeSchema, binaryOutcomeSchema, multiclassOutcomeSchema]);
export type Outcome = z.infer<typeof outcomeSchema>;

/** What a site does with a row that has a missing value in a column the spec uses. */
export const missingValuePolicySchema = z.enum(['drop_rows', 'fail']);

const kaplanMeierSchema = z
  .object({
    family: z.literal('kaplan_meier'),
    outcome: survivalOutcomeSchema,
    /** Optional grouping column for per-group curves and the log-rank test. */
    groupBy: columnNameSchema.optional(),
    features: z.array(featureSchema).max(0).default([]),
    missing: missingValuePolicySchema.default('fail'),
    hyperparameters: z.object({}).strict().default({}),
  })
  .strict();

const coxSchema = z
  .object({
    family: z.literal('cox_ph'),
    outcome: survivalOutcomeSchema,
    features: z.array(featureSchema).min(1).max(256),
    missing: missingValuePolicySchema.default('fail'),
    hyperparameters: z
      .object({
        ties: z.enum(['breslow', 'efron']).default('efron'),
        /** Newton-Raphson stops when |1 - loglik_old / loglik_new| < tolerance, as R's coxph does. */
        tolerance: z.number().positive().max(1e-2).default(1e-9),
        maxIterations: z.number().int().min(1).max(100).default(20),
      })
      .strict()
      .default({ ties: 'efron', tolerance: 1e-9, maxIterations: 20 }),
  })
  .strict();

const optimizerSchema = z
  .object({
    local: z.enum(['sgd', 'adam']).default('sgd'),
    learningRate: z.number().positive().max(10).default(0.01),
    localEpochs: z.number().int().min(1).max(100).default(1),
    batchSize: z.number().int().min(1).max(65_536).default(32),
    /** FedProx proximal coefficient mu; 0 is plain FedAvg. */
    proximalMu: z.number().min(0).max(100).default(0),
    server: z.enum(['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']).default('fedavg'),
    serverLearningRate: z.number().positive().max(10).default(1),
    serverMomentum: z.number().min(0).max(0.999).default(0.9),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  })
  .strict();

const logisticSchema = z
  .object({
    family: z.literal('logistic_regression'),
    outcome: binaryOutcomeSchema,
    features: z.array(featureSchema).min(1).max(1024),
    missing: missingValuePolicySchema.default('fail'),
    hyperparameters: z
      .object({
        method: z.enum(['newton', 'fedavg']).default('newton'),
        /** Newton stops when |dev - dev_old| / (|dev| + 0.1) < tolerance, as R's glm.fit does. */
        tolerance: z.number().positive().max(1e-2).default(1e-8),
        maxIterations: z.number().int().min(1).max(200).default(25),
        optimizer: optimizerSchema.optional(),
      })
      .strict()
      .default({ method: 'newton', tolerance: 1e-8, maxIterations: 25 }),
  })
  .strict();

const mlpSchema = z
  .object({
    family: z.literal('mlp_classifier'),
    /** A binary outcome gives one sigmoid output; a multi-class outcome a softmax over its levels. */
    outcome: classOutcomeSchema,
    features: z.array(featureSchema).min(1).max(4096),
    missing: missingValuePolicySchema.default('fail'),
    hyperparameters: z
      .object({
        hiddenLayers: z.array(z.number().int().min(1).max(4096)).min(1).max(8),
        optimizer: optimizerSchema.default(optimizerSchema.parse({})),
      })
      .strict(),
  })
  .strict();

const cnnSchema = z
  .object({
    family: z.literal('cnn_classifier'),
    outcome: binaryOutcomeSchema,
    features: z.array(featureSchema).max(0).default([]),
    missing: missingValuePolicySchema.default('fail'),
    hyperparameters: z
      .object({
        imageSize: z.number().int().min(8).max(512),
        channels: z.array(z.number().int().min(1).max(256)).min(1).max(6),
        optimizer: optimizerSchema.default(optimizerSchema.parse({})),
      })
      .strict(),
  })
  .strict();

const onnxModelSchema = z
  .object({
    family: z.literal('onnx_model'),
    outcome: binaryOutcomeSchema,
    features: z.array(featureSchema).min(1).max(4096),
    missing: missingValuePolicySchema.default('fail'),
    hyperparameters: z
      .object({
        /** SHA-256 (hex) of the uploaded ONNX file the site must run, pinned by approval. */
        modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
        inputName: z.string().min(1).max(128),
        outputName: z.string().min(1).max(128),
      })
      .strict(),
  })
  .strict();

/** The outcome's columns, which no feature may read: a model that reads its outcome learns nothing. */
function outcomeColumns(outcome: Outcome): string[] {
  return outcome.kind === 'survival' ? [outcome.time, outcome.event] : [outcome.column];
}

export const modelSpecSchema = z
  .discriminatedUnion('family', [kaplanMeierSchema, coxSchema, logisticSchema, mlpSchema, cnnSchema, onnxModelSchema])
  .superRefine((spec, context) => {
    const reserved = outcomeColumns(spec.outcome);
    const firstUse = new Map<string, number>();
    spec.features.forEach((feature, index) => {
      if (reserved.includes(feature.column)) {
        context.addIssue({
          code: 'custom',
          path: ['features', index, 'column'],
          message: `column "${feature.column}" is the outcome; remove it from the features, because a model must not read its own outcome`,
        });
      }
      // A column listed twice gives two identical covariates, which no fit can tell apart.
      const earlier = firstUse.get(feature.column);
      if (earlier !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['features', index, 'column'],
          message: `column "${feature.column}" is already feature ${earlier}; list each column once`,
        });
      } else {
        firstUse.set(feature.column, index);
      }
    });
  });
export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type ModelSpecInput = z.input<typeof modelSpecSchema>;
