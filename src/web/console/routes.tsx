import { ApartmentOutlined, DashboardOutlined, TeamOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Permission } from '../../shared/roles';
import { AreasPage } from './areas/areas-page';
import { HomePage } from './home/home-page';
import { UsersPage } from './users/users-page';

/** Every console page: its path, menu entry and the permission that shows it. Modules add theirs here. */
export interface ConsoleRoute {
  path: string;
  label: string;
  icon: ReactNode;
  element: ReactNode;
  permission?: Permission;
}

export const ROUTES: ConsoleRoute[] = [
  { path: '/', label: '工作台', icon: <DashboardOutlined />, element: <HomePage /> },
  {
    path: '/users',
    label: '用户管理',
    icon: <TeamOutlined />,
    element: <UsersPage />,
    permission: 'users.manage',
  },
  {
    path: '/areas',
    label: '辖区管理',
    icon: <ApartmentOutlined />,
    element: <AreasPage />,
    permission: 'areas.manage',
  },
];
