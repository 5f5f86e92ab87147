import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, conditionHolds, parseCondition } from './condition.js';

const facts = { branch: 'main', event: 'push', commit: 'abc123', status: 'success' as const };

describe('pipeline conditions', () => {
  it.each([
    ["${{ branch == 'main' and event != 'schedule' }}", true],
    ["branch != 'main'", false],
    ["${{ status == 'failure' }}", false],
    ["(branch == 'release' || event == \"push\") && !failure()", true],
    ['always()', true],
    ['failure() or not success()', false],
    ["not (branch == 'main')", false],
    ["branch == 'main' and (event == 'manual' or event == 'push')", true],
    ['commit', true],
    ['true and false', false],
    ["'main' == branch", true],
  ])('%s is %s', (condition, expected) => {
    expect(conditionHolds(condition, facts)).toBe(expected);
  });

  it('sees a failed step through status and failure()', () => {
    expect(conditionHolds("status == 'failure'", { ...facts, status: 'failure' })).toBe(true);
    expect(conditionHolds('failure()', { ...facts, status: 'failure' })).toBe(true);
    expect(conditionHolds('success()', { ...facts, status: 'failure' })).toBe(false);
  });

  it.each([
    ["branch == 'main' %}{% for a in range(10) %}", 'unexpected "%}"', 18],
    ["${{ branch == 'main' %} }}", 'unexpected "%}"', 22],
    ['process', 'unknown name "process"', 1],
    ['process.exit()', 'unexpected "."', 8],
    ["branch | upper == 'MAIN'", 'unexpected "|"', 8],
    ["branch == 'main", 'no closing', 11],
    ['success', 'success is called as success()', 8],
    ["(branch == 'main'", 'expected ) but found the end of the condition', 18],
    ['branch ==', 'expected a value but found the end of the condition', 10],
    ['', 'expected a value but found the end of the condition', 1],
  ])('refuses %s: %s at column %i', (condition, reason, column) => {
    let caught: unknown;
    try {
      parseCondition(condition);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConditionSyntaxError);
    expect((caught as ConditionSyntaxError).reason).toContain(reason);
    expect((caught as ConditionSyntaxError).column).toBe(column);
  });

  it('refuses conditions that are too long or nest too deep, without exhausting the stack', () => {
    expect(() => parseCondition(`${'('.repeat(40)}true${')'.repeat(40)}`)).toThrow(/nest at most 32/);
    expect(() => parseCondition(`${'!'.repeat(40)}true`)).toThrow(/nest at most 32/);
    expect(() => parseCondition(`branch == '${'x'.repeat(1_000)}'`)).toThrow(/at most 1000 characters/);
  });
});
