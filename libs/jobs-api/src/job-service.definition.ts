import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { pb } from '@cairn/contracts';
import { listAnswers } from './list-answers';

/** Field numbers in proto/cairn/v1/job_service.proto. */
const SUBMIT_JOB_REQUEST_SPEC = 1;
const JOB_SPEC_ENV = 4;

/**
 * SubmitJobRequest as the gateway decodes it: the generated decoder, except that `spec.env`
 * is a null-prototype object read from the wire. The generated decoder assigns each entry
 * to a plain `{}`, where a variable named "__proto__" would vanish; here every name is a
 * key like any other, in the order sent (a later duplicate wins, as protobuf merges).
 */
export function decodeSubmitJobRequest(bytes: Uint8Array): pb.SubmitJobRequest {
  const request = pb.SubmitJobRequest.decode(bytes);
  if (request.spec) request.spec.env = envOf(bytes);
  return request;
}

function envOf(bytes: Uint8Array): Record<string, string> {
  const env = Object.create(null) as Record<string, string>;
  const request = new BinaryReader(bytes);
  while (request.pos < request.len) {
    const [field, wireType] = request.tag();
    if (field !== SUBMIT_JOB_REQUEST_SPEC || wireType !== WireType.LengthDelimited) {
      request.skip(wireType);
      continue;
    }
    const spec = new BinaryReader(request.bytes());
    while (spec.pos < spec.len) {
      const [specField, specWire] = spec.tag();
      if (specField !== JOB_SPEC_ENV || specWire !== WireType.LengthDelimited) {
        spec.skip(specWire);
        continue;
      }
      const entry = pb.JobSpec_EnvEntry.decode(spec.bytes());
      // A null-prototype object has no "__proto__" setter: this defines an own key.
      env[entry.key] = entry.value;
    }
  }
  return env;
}

/**
 * cairn.v1.JobService as the gateway serves it: the generated definition, SubmitJob decoded as
 * above, and a ListJobs answer made from a kept page encoded once (list-answers.ts).
 */
export const jobServiceDefinition: typeof pb.JobServiceService = {
  ...pb.JobServiceService,
  submitJob: {
    ...pb.JobServiceService.submitJob,
    requestDeserialize: (value: Buffer): pb.SubmitJobRequest => decodeSubmitJobRequest(value),
  },
  listJobs: {
    ...pb.JobServiceService.listJobs,
    responseSerialize: listAnswers.serialize,
  },
};
