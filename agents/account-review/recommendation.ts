import { z } from 'zod';

/**
 * What the account review passes between its sub-agents: the facts the data scout gathered, the
 * history the memory analyst found, and the recommendations the author wrote. All of it lives in
 * the run's persisted snapshot, so it is kept small and JSON-only.
 */

export const ACCOUNT_STATUSES = ['prospect', 'active', 'at_risk', 'churned'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const RecommendationFactorSchema = z.strictObject({
  name: z.string().min(1).max(60),
  /** How much this factor adds to (or, negative, takes from) the confidence. */
  weight: z.number().min(-1).max(1),
  reason: z.string().min(1).max(300),
});
export type RecommendationFactor = z.infer<typeof RecommendationFactorSchema>;

export const RecommendationSchema = z
  .strictObject({
    action: z.enum(['create_task', 'add_note', 'update_status']),
    title: z.string().min(1).max(300),
    detail: z.string().min(1).max(4000),
    confidence: z.number().min(0).max(1),
    factors: z.array(RecommendationFactorSchema).min(1).max(10),
    /** update_status only: the status to set. */
    newStatus: z.enum(ACCOUNT_STATUSES).optional(),
    /** create_task only. */
    priority: z.enum(['low', 'normal', 'high']).optional(),
    /** create_task only, YYYY-MM-DD. */
    dueDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  })
  .refine((r) => r.action !== 'update_status' || r.newStatus !== undefined, {
    message: 'update_status needs newStatus',
    path: ['newStatus'],
  });
export type RecommendationBody = z.infer<typeof RecommendationSchema>;

export interface Recommendation extends RecommendationBody {
  /** Who wrote it: the offline rules or the run's model. */
  source: 'rules' | 'model';
}

/** What a model must answer with (validated; anything else falls back to the rules). */
export const ModelAnswerSchema = z.object({ recommendations: z.array(RecommendationSchema).min(1).max(10) });

export interface ContactFacts {
  name: string;
  email: string | null;
  phone: string | null;
  title: string | null;
}

export interface DealFacts {
  id: string;
  name: string;
  stage: string;
  amount: number;
  currency: string;
  closeDate: string | null;
}

export interface HealthFactor {
  factor: string;
  points: number;
  detail: string;
}

/** The account as the data scout found it: only what the rules and the writes need. */
export interface AccountFacts {
  accountId: string;
  name: string;
  status: AccountStatus;
  /** The account record's version, for `update_account`'s expectedVersion. */
  version: number;
  tier: string;
  paymentStatus: string;
  riskScore: number;
  riskLevel: 'low' | 'medium' | 'high';
  healthFactors: HealthFactor[];
  daysSinceLastActivity: number | null;
  openDeals: DealFacts[];
  slippedDeals: number;
  overdueTasks: number;
  openTaskTitles: string[];
  negativeActivitiesLast90Days: number;
  primaryContact: ContactFacts | null;
}

/** What the memory analyst found about earlier reviews of the account. */
export interface AccountHistory {
  /** The memory entity the outcomes are stored on. */
  entityName: string;
  pastReviews: number;
  lastOutcome: string | null;
  /** Titles of recommendations rejected in earlier reviews. */
  rejectedTitles: string[];
  /** The closest observations by meaning (semantic search), shortened. */
  related: string[];
  /** Whether the semantic search answered (it needs the memory server's embedder). */
  semantic: boolean;
}

/** The memory entity the outcomes of an account's reviews are stored on. */
export function historyEntityName(accountId: string): string {
  return `crm-account/${accountId}`;
}
