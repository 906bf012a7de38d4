import { parseDocument, visit } from 'yaml';
import { parseConfigText } from '../lr/index.js';

const LOCAL_TAG = /^![A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a config file's YAML as `parseConfigText` does (syntax errors and duplicate keys refused with their line),
 * and reads PaddleDetection's tag form: a mapping tagged `!CosineDecay` becomes `{ name: 'CosineDecay', … }`, the
 * mapping its `name:` form spells.
 *
 * @example parseConfigFile('- !LinearWarmup\n  steps: 10\n'); // [{ steps: 10, name: 'LinearWarmup' }]
 */
export function parseConfigFile(text: string, path = ''): unknown {
  const plain = parseConfigText(text, path);
  if (!text.includes('!')) return plain;
  const document = parseDocument(text, { uniqueKeys: true });
  let tagged = false;
  visit(document, {
    Map(_, node) {
      if (node.tag === undefined || !LOCAL_TAG.test(node.tag)) return;
      node.set('name', node.tag.slice(1));
      node.tag = undefined;
      tagged = true;
    },
  });
  return tagged ? document.toJS() : plain;
}
