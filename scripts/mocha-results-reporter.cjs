// Mocha reporter used by `npm test` for the unit tests: the spec reporter's output for people, plus the
// counts { passed, failed, pending, skipped: [titles], failures: [{ title, error }] } as JSON in $LMX_UNIT_RESULTS.
const fs = require('fs');
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_TEST_FAIL, EVENT_TEST_PASS, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SpecWithResults extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const results = { passed: 0, failed: 0, pending: 0, skipped: [], failures: [] };
    runner.on(EVENT_TEST_PASS, () => results.passed++);
    runner.on(EVENT_TEST_PENDING, (test) => {
      results.pending++;
      results.skipped.push(test.fullTitle());
    });
    runner.on(EVENT_TEST_FAIL, (test, error) => {
      results.failed++;
      results.failures.push({ title: test.fullTitle(), error: String((error && error.stack) || error) });
    });
    runner.once(EVENT_RUN_END, () => {
      if (process.env.LMX_UNIT_RESULTS) fs.writeFileSync(process.env.LMX_UNIT_RESULTS, JSON.stringify(results));
    });
  }
}

module.exports = SpecWithResults;
