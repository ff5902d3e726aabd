/**
 * A root-level hook: after the whole suite, one line with the largest
 * disagreements the checker (spec/support/check.ts) and the rule specs
 * recorded (the numbers the closing note quotes).
 */
import { agreement } from './support/agreement.js';

after(() => {
  const { path, replay, fd, rules, checks } = agreement;
  const fmt = (w: { max: number; where: string }) => `${w.max.toExponential(2)}${w.where ? ` (${w.where})` : ''}`;
  console.log(
    `\n  agreement over ${checks} checks — between paths: ${fmt(path)}; replays: ${fmt(replay)}; ` +
      `vs finite differences: ${fmt(fd)}; rule table vs finite differences: ${fmt(rules)}`,
  );
});
