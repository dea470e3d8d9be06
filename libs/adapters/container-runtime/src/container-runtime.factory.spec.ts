import { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import { ContainerRuntime } from './container-runtime';
import { CONTAINER_RUNTIMES, createContainerRuntime } from './container-runtime.factory';
import { DirectoryConverter, SquashfsConverter } from './image-converter';

describe('createContainerRuntime', () => {
  it('picks the runtime the setting names, as a ContainerRuntime, with its converter', () => {
    const charliecloud = createContainerRuntime('charliecloud', new ProcessRepository());
    const apptainer = createContainerRuntime('apptainer', new ProcessRepository());
    expect(charliecloud).toBeInstanceOf(CharliecloudRuntime);
    expect(apptainer).toBeInstanceOf(ApptainerRuntime);
    for (const runtime of [charliecloud, apptainer]) expect(runtime).toBeInstanceOf(ContainerRuntime);
    expect([charliecloud.converter.suffix, apptainer.converter.suffix]).toEqual(['.v2.sqfs', '.sif']);
  });

  it('gives Charliecloud the image form the site chose: SquashFS unless it says directory (ADR 0021)', () => {
    const converterOf = (form?: 'squashfs' | 'directory') => createContainerRuntime('charliecloud', new ProcessRepository(), form ? { charliecloudImageForm: form } : {}).converter;
    expect(converterOf()).toBeInstanceOf(SquashfsConverter);
    expect(converterOf('squashfs')).toBeInstanceOf(SquashfsConverter);
    expect(converterOf('directory')).toBeInstanceOf(DirectoryConverter);
    expect(converterOf('directory').suffix).toBe('.v2.dir');
    // Apptainer has one form (SIF) whatever the Charliecloud setting says.
    expect(createContainerRuntime('apptainer', new ProcessRepository(), { charliecloudImageForm: 'directory' }).converter.suffix).toBe('.sif');
  });

  it('has one runtime for each kind, named as the kind', () => {
    expect(CONTAINER_RUNTIMES.map((kind) => createContainerRuntime(kind, new ProcessRepository()).name)).toEqual(['charliecloud', 'apptainer']);
  });
});
