// Booleans as the reference's Go YAML (gopkg.in/yaml.v3) reads them into a bool field: besides
// true/false, the YAML 1.1 words yes/no, on/off, y/n in any of their cases. Only fields the schema
// declares boolean take them, so a string field whose value is "on" stays a string.
import { z } from 'zod';

const WORDS = new Map<string, boolean>([
  ['yes', true], ['y', true], ['on', true], ['true', true],
  ['no', false], ['n', false], ['off', false], ['false', false],
]);

export function yamlBool(params?: Parameters<typeof z.boolean>[0]) {
  return z.preprocess((v) => (typeof v === 'string' && WORDS.has(v.toLowerCase()) ? WORDS.get(v.toLowerCase()) : v), z.boolean(params));
}
