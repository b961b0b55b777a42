document.getElementById('app').textContent = 'store';
