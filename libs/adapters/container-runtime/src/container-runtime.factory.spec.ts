import { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import { ContainerRuntime } from './container-runtime';
import { CONTAINER_RUNTIMES, createContainerRuntime } from './container-runtime.factory';
import { CharliecloudConverter } from './image-converter';

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
    for (const form of [undefined, 'squashfs', 'directory'] as const) expect(converterOf(form)).toBeInstanceOf(CharliecloudConverter);
    expect([converterOf().suffix, converterOf('squashfs').suffix, converterOf('directory').suffix]).toEqual(['.v2.sqfs', '.v2.sqfs', '.v2.dir']);
    expect((converterOf('directory') as CharliecloudConverter).form).toBe('directory');
    // Apptainer has one form (SIF) whatever the Charliecloud setting says.
    expect(createContainerRuntime('apptainer', new ProcessRepository(), { charliecloudImageForm: 'directory' }).converter.suffix).toBe('.sif');
  });

  it('has one runtime for each kind, named as the kind', () => {
    expect(CONTAINER_RUNTIMES.map((kind) => createContainerRuntime(kind, new ProcessRepository()).name)).toEqual(['charliecloud', 'apptainer']);
  });
});
