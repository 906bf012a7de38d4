import { CLOSE_CODES, ProtocolError } from '../errors.js';

/**
 * The refusal for bytes that cannot be trusted (bad lengths, a descriptor that does not fit the message):
 * ERR_PROTOCOL_MALFORMED, closed with 1002.
 *
 * @example
 * throw malformed('a frame of 3 bytes is shorter than the 16-byte header');
 */
export function malformed(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_MALFORMED', CLOSE_CODES.protocolError, message, { cause });
}

/**
 * The refusal for a frame or message over its bound: ERR_PROTOCOL_TOO_LARGE, closed with 1009.
 *
 * @example
 * throw tooLarge('a message of 2 GB exceeds maxMessageBytes 1006136');
 */
export function tooLarge(message: string): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_TOO_LARGE', CLOSE_CODES.messageTooBig, message);
}
