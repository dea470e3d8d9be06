import type { ReactNode } from 'react';

export interface TableScrollProps {
  /** Names the region for screen readers, e.g. "My jobs". */
  readonly label: string;
  readonly children: ReactNode;
}

/** Lets a wide table scroll sideways on a narrow screen (focusable, so the keyboard can scroll it too). */
export function TableScroll({ label, children }: TableScrollProps) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
