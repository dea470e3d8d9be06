import { rolesOf } from './roles';

const settings = { groupsClaim: 'groups', adminGroup: 'cairn-admins', projectGroupPrefix: 'cairn-project-' };

describe('rolesOf', () => {
  it('user always; member of the projects named by prefixed groups; admin from the admin group', () => {
    expect(rolesOf({}, settings)).toEqual({ roles: ['user'], projects: [] });
    expect(rolesOf({ groups: ['cairn-project-genomics', 'staff'] }, settings)).toEqual({ roles: ['user', 'member'], projects: ['genomics'] });
    expect(rolesOf({ groups: ['cairn-admins'] }, settings)).toEqual({ roles: ['user', 'admin'], projects: [] });
    expect(rolesOf({ groups: 'cairn-project-a cairn-project-b,cairn-admins' }, settings)).toEqual({ roles: ['user', 'member', 'admin'], projects: ['a', 'b'] });
  });

  it('ignores what is not a group name list or not a valid project, and look-alikes of the admin group', () => {
    expect(rolesOf({ groups: { admin: true } }, settings)).toEqual({ roles: ['user'], projects: [] });
    expect(rolesOf({ groups: ['cairn-project-', 'cairn-project-.x', 'cairn-project-a b', 'Cairn-Admins', 'cairn-admins ', 7] }, settings)).toEqual({ roles: ['user'], projects: [] });
    expect(rolesOf({ roles: ['cairn-admins'] }, settings)).toEqual({ roles: ['user'], projects: [] });
    expect(rolesOf({ roles: ['cairn-admins'] }, { ...settings, groupsClaim: 'roles' })).toEqual({ roles: ['user', 'admin'], projects: [] });
  });
});
