/**
 * dptrain's wire protocol: the messages (`messages.ts`), their validator (`validate.ts`) and the codec that
 * turns them into binary WebSocket frames and back (`codec.ts`). Pure: no network, no tfjs.
 *
 * @example
 * import { MessageEncoder, MessageDecoder, validateMessage, PROTOCOL_VERSION } from './protocol/index.js';
 */
export {
  type CodecOptions,
  checkFrameBytes,
  checkMessageBytes,
  DEFAULT_CONTROL_ALLOWANCE,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  type DecodeResult,
  FRAME_HEADER_BYTES,
  FRAME_KIND,
  FRAME_MAGIC,
  type LaneSink,
  type LaneSource,
  MAX_FRAME_BYTES,
  MessageDecoder,
  MessageEncoder,
  MIN_FRAME_BYTES,
  messageBytesBound,
  type TensorAllocator,
} from './codec.js';
export { gradientDigest, parameterDigest } from './digest.js';
export {
  type AppliedMessage,
  type AssignMessage,
  type BooleanField,
  type CoordinatorMessage,
  type ErrorMessage,
  type FieldSpec,
  type GradientMessage,
  type HeartbeatMessage,
  type IntegerField,
  type JoinMessage,
  type LeaveMessage,
  type LivenessMessage,
  MESSAGE_TYPES,
  MESSAGES,
  type Message,
  type MessageOf,
  type MessageSpec,
  type MessageType,
  type NullableField,
  type NumberField,
  type ParamsMessage,
  type Party,
  PROTOCOL_VERSION,
  type PushedMessage,
  type PushMessage,
  type RecordField,
  type RunSpec,
  type ScalarField,
  STRING_LIMITS,
  type StopMessage,
  type StringField,
  TENSOR_KEY_PATTERN,
  TENSOR_MAP_LIMITS,
  type TensorField,
  type TensorFieldSpec,
  type TensorMap,
  type TensorMapField,
  type UpdateMessage,
  type WelcomeMessage,
  type WorkerMessage,
} from './messages.js';
export { REFUSALS, type RefusalCode } from './refusals.js';
export { TENSOR_DESCRIPTOR_KEY, type TensorEntry } from './tensor-descriptor.js';
export { nowUs, packSpans, type Span, TRACE_MAX_STEPS, unpackSpans } from './trace-spans.js';
export { parseTrainingSpec, type TrainingSpec } from './training-spec.js';
export {
  type Issue,
  type IssueCode,
  isMessageType,
  isTensorKey,
  MAX_RECORD_DEPTH,
  type ValidationResult,
  validateMessage,
} from './validate.js';
