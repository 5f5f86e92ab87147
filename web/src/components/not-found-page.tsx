import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives here. <Link to="/">Go home</Link>.
      </p>
    </section>
  );
}
