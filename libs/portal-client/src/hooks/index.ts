export * from './backoff';
export * from './paging';
export * from './use-paged-list';
export * from './use-server-stream';
export * from './use-session';
export * from './use-who-am-i';
