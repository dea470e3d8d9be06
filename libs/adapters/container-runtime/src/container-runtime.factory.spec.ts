import { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import { ContainerRuntime } from './container-runtime';
import { CONTAINER_RUNTIMES, createContainerRuntime } from './container-runtime.factory';

describe('createContainerRuntime', () => {
  it('picks the runtime the setting names, as a ContainerRuntime, with its converter', () => {
    const charliecloud = createContainerRuntime('charliecloud', new ProcessRepository());
    const apptainer = createContainerRuntime('apptainer', new ProcessRepository());
    expect(charliecloud).toBeInstanceOf(CharliecloudRuntime);
    expect(apptainer).toBeInstanceOf(ApptainerRuntime);
    for (const runtime of [charliecloud, apptainer]) expect(runtime).toBeInstanceOf(ContainerRuntime);
    expect([charliecloud.converter.suffix, apptainer.converter.suffix]).toEqual(['.v2.sqfs', '.sif']);
  });

  it('has one runtime for each kind, named as the kind', () => {
    expect(CONTAINER_RUNTIMES.map((kind) => createContainerRuntime(kind, new ProcessRepository()).name)).toEqual(['charliecloud', 'apptainer']);
  });
});
