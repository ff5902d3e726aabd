/**
 * What sparsity analysis finds for one recording — the Hessian's pattern,
 * its colourings, the structured method's plans — each found when first
 * asked for and remembered with the recording's structure
 * (lib/sparsity/memo.ts), so a later recording of f with the same structure
 * finds it again for free. What is remembered is shared: read only.
 */
import type { Tape } from '../tape/tape.js';
import { detectPattern, type Pattern } from '../sparsity/pattern.js';
import { colour, type Colouring } from '../sparsity/colouring.js';
import { remember, remembered } from '../sparsity/memo.js';
import type { ParamGroup } from '../sparsity/parameter-uses.js';
import { gaussNewtonPlan, planFits, structuredPlan, type StructuredPlan } from './structured.js';

/** What was found for one recording structure (shared by the recordings of that structure). */
interface Found {
  pattern?: Pattern;
  /** the pattern is too dense for the sparse method at the limit it was asked with */
  tooDense?: boolean;
  /** distance-1 colouring (the sparse diagonal) */
  d1?: Colouring;
  /** distance-2 colouring (the sparse Hessian) */
  d2?: Colouring;
  structured?: StructuredPlan;
  gaussNewton?: StructuredPlan;
}

/** The analyses of one recording of f, over its parameter groups. */
export class Analysis {
  private own: Found | undefined;

  /** `out()` is the scalar output's slot (it throws for a vector-valued recording: the caller's message). */
  constructor(
    private readonly f: object,
    private readonly tape: Tape,
    private readonly outputs: Int32Array,
    private readonly groups: readonly ParamGroup[],
    private readonly out: () => number,
  ) {}

  /** what is remembered for this structure (looked up on first use) */
  private get found(): Found {
    return (this.own ??= remembered<Found>(this.f, this.tape, this.outputs) || {});
  }
  /** remembers what was found (the object is shared: later finds land in it too) */
  private keep(): void {
    remember(this.f, this.tape, this.outputs, this.found);
  }

  /** The Hessian's sparsity pattern (a superset of its non-zeros for the recorded branch), CSR, both triangles. */
  pattern(): Pattern {
    const sp = this.found;
    if (!sp.pattern) {
      sp.pattern = detectPattern(this.tape, this.out())!;
      this.keep();
    }
    return sp.pattern;
  }

  /** The distance-1 colouring of the pattern (no two inputs of one colour interact). */
  colouring(): Colouring {
    return (this.found.d1 ??= colour(this.pattern(), 1));
  }

  /** The distance-2 (star) colouring of the pattern (no other input of a colour neighbours an input's neighbour). */
  starColouring(): Colouring {
    return (this.found.d2 ??= colour(this.pattern(), 2));
  }

  /**
   * The distance-1 colouring when it has at most `limit` colours, else null.
   * Detection stops early past the limit (a nonlinear node mixing more than
   * `limit` inputs already forces more than `limit` colours), and a null
   * answer is remembered.
   */
  sparseColouring(limit: number): Colouring | null {
    const sp = this.found;
    if (sp.tooDense) return null;
    if (sp.pattern === undefined) {
      const p = detectPattern(this.tape, this.out(), limit);
      this.keep();
      if (!p) { sp.tooDense = true; return null; }
      sp.pattern = p;
    }
    const c = this.colouring();
    if (c.count > limit) { sp.tooDense = true; return null; }
    return c;
  }

  /**
   * The structured Hessian-diagonal plan. With `limit`, detection stops as
   * soon as the method cannot need fewer than that many lanes; a plan found
   * with a lower limit is redone.
   */
  structured(limit = this.tape.nIn): StructuredPlan {
    const sp = this.found, old = sp.structured;
    if (!planFits(old, this.groups) || (old.limit !== undefined && old.limit < limit)) {
      sp.structured = structuredPlan(this.tape, this.out(), this.groups, limit);
      this.keep();
    }
    return sp.structured!;
  }

  /** The structured Gauss–Newton plan (over every output). */
  gaussNewton(): StructuredPlan {
    const sp = this.found;
    if (!planFits(sp.gaussNewton, this.groups)) {
      sp.gaussNewton = gaussNewtonPlan(this.tape, this.outputs, this.groups);
      this.keep();
    }
    return sp.gaussNewton;
  }
}
