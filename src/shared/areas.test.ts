import { describe, expect, it } from 'vitest';
import { areaKindLabel, childColumnLabel, foldAreaName, kindFromName } from './areas.js';

describe('development zones run as townships', () => {
  it('have their own kind from their name, and keep their whole name when folded', () => {
    expect(kindFromName('town', '高新区')).toBe('高新区');
    expect(kindFromName('town', '东胜经济开发区')).toBe('开发区');
    expect(kindFromName('town', '江苏工业园区')).toBe('园区');
    expect(kindFromName('town', '罕台镇')).toBe('镇');
    expect(areaKindLabel({ level: 'town', kind: '高新区' })).toBe('高新区');
    expect(foldAreaName('town', '高新区')).toBe('高新区');
    expect(foldAreaName('town', '东胜经济开发区')).toBe('东胜经济');
  });

  it('do not lengthen a column heading beside towns and streets; alone they name it', () => {
    expect(childColumnLabel('town', ['镇', '街道', '高新区'])).toBe('镇（街道）');
    expect(childColumnLabel('town', ['苏木', '镇', '开发区'])).toBe('镇（苏木）');
    expect(childColumnLabel('town', ['开发区', '高新区'])).toBe('高新区（开发区）');
    expect(childColumnLabel('town', [])).toBe('乡镇（苏木、街道）'); // the level's generic name
  });
});
