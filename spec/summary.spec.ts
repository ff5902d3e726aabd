/**
 * A root-level hook: after the whole suite, one line with the largest
 * disagreements checkDerivatives and the rule specs recorded (the numbers the
 * closing note quotes).
 */
import { agreement } from './support/check.js';

after(() => {
  const { paths, fd, rules, checks } = agreement;
  const fmt = (w: { max: number; where: string }) => `${w.max.toExponential(2)}${w.where ? ` (${w.where})` : ''}`;
  console.log(
    `\n  agreement over ${checks} checkDerivatives runs — between paths: ${fmt(paths)}; ` +
      `vs finite differences: ${fmt(fd)}; rule table vs finite differences: ${fmt(rules)}`,
  );
});
