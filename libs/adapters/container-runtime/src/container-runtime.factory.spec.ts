import { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import { ContainerRuntime } from './container-runtime';
import { CONTAINER_RUNTIMES, createContainerRuntime } from './container-runtime.factory';

describe('createContainerRuntime', () => {
  const options = { cacheDir: '/var/cache/cairn', insecureRegistries: [] };

  it('picks the runtime the setting names, as a ContainerRuntime', () => {
    const charliecloud = createContainerRuntime('charliecloud', new ProcessRepository(), options);
    const apptainer = createContainerRuntime('apptainer', new ProcessRepository(), options);
    expect(charliecloud).toBeInstanceOf(CharliecloudRuntime);
    expect(apptainer).toBeInstanceOf(ApptainerRuntime);
    for (const runtime of [charliecloud, apptainer]) expect(runtime).toBeInstanceOf(ContainerRuntime);
  });

  it('has one runtime for each kind, named as the kind', () => {
    expect(CONTAINER_RUNTIMES.map((kind) => createContainerRuntime(kind, new ProcessRepository(), options).name)).toEqual(['charliecloud', 'apptainer']);
  });
});
