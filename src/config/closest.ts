// The config's modules find the closest key beside them; the one implementation lives in rules, below lr and optim.
export { closestKey } from '../rules/index.js';
