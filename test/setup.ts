import fc from 'fast-check';

// Property tests run from a fixed seed so CI is repeatable; FC_SEED=<n> explores other inputs locally.
fc.configureGlobal({ seed: process.env.FC_SEED === undefined ? 20261125 : Number(process.env.FC_SEED) });
