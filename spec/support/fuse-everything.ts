/**
 * Loaded before the specs of `.mocharc.fused.json` (the second run of
 * `npm test`): every elementwise op on a traced tensor is fused
 * (lib/tensor/fused.ts), however short the tensor, in every recording
 * (records of parameters and structured diagonals too). Those specs then check the fused blocks in every mode against the
 * scalar forms, finite differences, the replays and the conventions.
 */
import { fusion } from '../../lib/tensor/fused.js';

fusion.from = 1;
fusion.everywhere = true;
