/**
 * metav1.Condition helpers (k8s.io/apimachinery `meta.SetStatusCondition`): setting a condition
 * keeps its lastTransitionTime unless its status changes, so tools reading "since when" get the
 * truth, and an unchanged status produces an identical object (no needless write).
 */
import type { Condition } from '../api/types.ts';

export type ConditionStatus = Condition['status'];

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Returns a new list with `c` set; `now` is used only when the status changes or it is new. */
export function setCondition(list: readonly Condition[] | undefined, c: ConditionInput, observedGeneration: number, now: string): Condition[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((x) => x.type === c.type);
  const prev = i >= 0 ? out[i] : undefined;
  const next: Condition = {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    observedGeneration,
    lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now,
  };
  if (i >= 0) out[i] = next;
  else out.push(next);
  return out;
}

export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function isTrue(list: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(list, type)?.status === 'True';
}
