import { Button, Result } from 'antd';
import { Link, useLocation } from 'react-router';

/** An address the console does not have: said so (not the dashboard in its place), with a way back. */
export function NotFoundPage() {
  const location = useLocation();
  return (
    <Result
      status="404"
      title="页面不存在"
      subTitle={
        <span data-testid="not-found">
          没有找到地址 <code>{location.pathname}</code>{' '}
          对应的页面。链接可能已过期，或输入有误；请从左侧菜单进入。
        </span>
      }
      extra={
        <Link to="/">
          <Button type="primary">返回工作台</Button>
        </Link>
      }
    />
  );
}
