import { logout, myQueue, refreshBundle, toast, useApp } from '../state';
import { fmtDateTime } from '../util';

export function MeScreen() {
  const s = useApp();
  const waiting = myQueue(s).length;
  const all = s.queue.length;
  return (
    <section>
      <h2 className="title">我的</h2>
      <dl className="card kv">
        <dt>用户</dt>
        <dd>
          {s.session!.user.displayName}（{s.session!.user.username}）
        </dd>
        <dt>负责对象</dt>
        <dd>{s.bundle?.persons.length ?? 0} 人（已存于本机，可离线查看）</dd>
        <dt>数据更新于</dt>
        <dd>{s.bundleFetchedAt ? fmtDateTime(s.bundleFetchedAt) : '尚未下载'}</dd>
        <dt>待上传</dt>
        <dd>{waiting} 条</dd>
      </dl>
      <p className="actions">
        <button
          type="button"
          className="secondary block"
          disabled={!s.online}
          onClick={() =>
            refreshBundle().then(
              () => toast('已更新'),
              (e) => toast((e as Error).message),
            )
          }
        >
          更新离线数据
        </button>
      </p>
      <p className="actions">
        <button
          type="button"
          className="danger block"
          data-testid="logout"
          onClick={() => {
            const warn =
              all > 0
                ? `本机还有 ${all} 条探访记录没有上传！退出登录将删除它们，且无法恢复。确定退出？`
                : '退出登录将清除本机缓存的对象信息。确定退出？';
            if (confirm(warn)) void logout();
          }}
        >
          退出登录
        </button>
      </p>
      {all > 0 && <p className="notice warn">还有 {all} 条记录未上传：请先在有信号处上传再退出。</p>}
    </section>
  );
}
