import { useQuery } from '@tanstack/react-query';
import type { AreaNode } from '../../shared/api/areas';
import { api } from './api';

// The contract's type (a type-only import: the schemas stay out of the console's first chunk).
export type { AreaNode };

export function useAreaTree(includeRetired = false) {
  return useQuery({
    queryKey: ['areas', includeRetired],
    queryFn: () => api<AreaNode[]>(`/api/areas${includeRetired ? '?includeRetired=true' : ''}`),
    staleTime: 5 * 60_000,
  });
}

/** antd TreeSelect data from the area tree. */
export function toTreeData(nodes: AreaNode[]): { value: number; title: string; children: any[] }[] {
  return nodes.map((n) => ({ value: n.id, title: n.name, children: toTreeData(n.children) }));
}
