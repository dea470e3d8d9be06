import { CairnError, describeControl } from '@cairn/contracts';

/** The paging fields every List call shares, checked; absent ones left out. */
export function pageRequest(request: { pageSize: number; pageToken: string; namePrefix: string }): {
  pageSize: number;
  pageToken?: string;
  namePrefix?: string;
} {
  if (request.pageSize > 500) throw new CairnError('INVALID_ARGUMENT', 'page_size: must be at most 500');
  if (request.namePrefix.length > 64) throw new CairnError('INVALID_ARGUMENT', 'name_prefix: is longer than 64 characters');
  const control = describeControl(request.namePrefix);
  if (control) throw new CairnError('INVALID_ARGUMENT', `name_prefix: contains ${control}; control characters are not allowed`);
  if (request.pageToken.length > 512) throw new CairnError('INVALID_ARGUMENT', 'page_token: not a token from a previous page');
  return {
    pageSize: request.pageSize || 50,
    ...(request.pageToken ? { pageToken: request.pageToken } : {}),
    ...(request.namePrefix ? { namePrefix: request.namePrefix } : {}),
  };
}
