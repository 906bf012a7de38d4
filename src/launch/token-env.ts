/**
 * The environment variable that carries the run's shared secret from the launcher (or the user's shell) to
 * `dptrain coordinator` and `dptrain worker`: never the command line, where other users could read it.
 */
export const TOKEN_ENV = 'DPTRAIN_TOKEN';
