import { MAX_SITES, sitesSettings, sitesToList } from './sites-settings';

const parse = (value: string | undefined) => sitesSettings.sites.schema.safeParse(value);

describe('CAIRN_SITES on the gateway', () => {
  it('lists the configured sites and the default site, each once, sorted; unset is the default site alone', () => {
    expect(parse(undefined)).toMatchObject({ success: true, data: [] });
    expect(sitesToList([], 'dev')).toEqual(['dev']);
    const parsed = parse(' hpc2, dev ,gpu-a');
    expect(parsed.success && sitesToList(parsed.data, 'dev')).toEqual(['dev', 'gpu-a', 'hpc2']);
  });

  it(`refuses names that are not site names, and more than ${MAX_SITES} sites`, () => {
    for (const bad of ['dev,', 'Dev', 'a.b', 'a b', 'x,*', '-a']) expect(parse(bad).success).toBe(false);
    const sites = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`).join(',');
    expect(parse(sites(MAX_SITES)).success).toBe(true);
    expect(parse(sites(MAX_SITES + 1)).success).toBe(false);
  });
});
