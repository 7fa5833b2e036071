import { Button } from 'antd';
import { useEffect, useRef } from 'react';

/** A finger/mouse signature box that yields a PNG data URL (null when cleared). */
export function SignaturePad({
  value,
  onChange,
}: {
  value: string | null;
  onChange: (v: string | null) => void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  useEffect(() => {
    const c = ref.current;
    if (!c || value) return;
    const g = c.getContext('2d');
    g?.clearRect(0, 0, c.width, c.height);
  }, [value]);
  const pos = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * e.currentTarget.width) / r.width,
      ((e.clientY - r.top) * e.currentTarget.height) / r.height,
    ];
  };
  return (
    <div>
      <canvas
        ref={ref}
        width={600}
        height={200}
        style={{
          width: '100%',
          maxWidth: 320,
          height: 107,
          border: '1px dashed #bbb',
          touchAction: 'none',
          background: '#fff',
        }}
        onPointerDown={(e) => {
          drawing.current = true;
          const g = e.currentTarget.getContext('2d')!;
          g.lineWidth = 4;
          g.lineCap = 'round';
          g.beginPath();
          const [x, y] = pos(e);
          g.moveTo(x, y);
        }}
        onPointerMove={(e) => {
          if (!drawing.current) return;
          const g = e.currentTarget.getContext('2d')!;
          const [x, y] = pos(e);
          g.lineTo(x, y);
          g.stroke();
        }}
        onPointerUp={(e) => {
          drawing.current = false;
          onChange(e.currentTarget.toDataURL('image/png'));
        }}
      />
      <div>
        <Button size="small" onClick={() => onChange(null)}>
          清除签字
        </Button>
      </div>
    </div>
  );
}
