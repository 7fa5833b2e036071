import { useQuery } from '@tanstack/react-query';
import type { AreaLevel } from '../../shared/roles';
import { api } from './api';

export interface AreaNode {
  id: number;
  code: string;
  name: string;
  level: AreaLevel;
  retired: boolean;
  children: AreaNode[];
}

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
